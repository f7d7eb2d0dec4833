-- Argo CD health of a UserDataPurgeSchedule (datapurge.io/v1alpha1). Register it under
-- resource.customizations.health.datapurge.io_UserDataPurgeSchedule in argocd-cm (see argocd-cm.yaml).
-- Healthy while it schedules; Degraded when its last run failed or the schedule is invalid.
local hs = {}
local status = obj.status
local generation = obj.metadata.generation
if status == nil or status.observedGeneration == nil or (generation ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the schedule"
  return hs
end

local function condition(type)
  if status.conditions ~= nil then
    for _, c in ipairs(status.conditions) do
      if c.type == type then
        return c
      end
    end
  end
  return nil
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = tostring(stalled.reason) .. ": " .. tostring(stalled.message)
  return hs
end

local run = status.lastRun
if run ~= nil and (run.phase == "Failed" or run.phase == "Blocked") then
  hs.status = "Degraded"
  hs.message = "Last run " .. tostring(run.name) .. " " .. run.phase .. "; kubectl describe purge " .. tostring(run.name)
  return hs
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended: no new runs"
  return hs
end

hs.status = "Healthy"
hs.message = "Next tick at " .. tostring(status.nextScheduleTime)
if run ~= nil then
  hs.message = hs.message .. "; last run " .. tostring(run.name) .. " " .. tostring(run.phase)
end
return hs
