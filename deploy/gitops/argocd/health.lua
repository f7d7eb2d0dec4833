-- Argo CD health of a UserDataPurge (datapurge.io/v1alpha1). Register it under
-- resource.customizations.health.datapurge.io_UserDataPurge in argocd-cm (see argocd-cm.yaml).
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to pick up the purge"
  return hs
end

-- A status written for an older spec says nothing about the current one.
local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local function rows()
  if status.totals ~= nil and status.totals.before ~= nil then
    return tostring(status.totals.before)
  end
  return "?"
end

local function tables()
  if status.tables ~= nil then
    return tostring(#status.tables)
  end
  return "?"
end

local phase = status.phase
if phase == "Succeeded" then
  hs.status = "Healthy"
  if status.dryRun == true then
    hs.message = "Dry run: " .. rows() .. " rows in " .. tables() .. " tables would be purged"
  else
    local after = "?"
    if status.totals ~= nil and status.totals.after ~= nil then
      after = tostring(status.totals.after)
    end
    hs.message = "Purged " .. rows() .. " rows from " .. tables() .. " tables; " .. after .. " left"
  end
elseif phase == "AwaitingConfirmation" then
  -- A plan waits for a person: set spec.confirm to the database name to run it.
  hs.status = "Suspended"
  hs.message = "Plan: " .. rows() .. " rows in " .. tables() .. " tables would be purged; set spec.confirm to run it"
elseif phase == "Failed" or phase == "Blocked" then
  hs.status = "Degraded"
  hs.message = phase
  if status.reason ~= nil then
    hs.message = hs.message .. " (" .. status.reason .. ")"
  end
  if status.message ~= nil and status.message ~= "" then
    hs.message = hs.message .. ": " .. status.message
  end
elseif phase == "Pending" or phase == "Planning" or phase == "Running" then
  hs.status = "Progressing"
  hs.message = phase
  if status.jobName ~= nil then
    hs.message = phase .. " (Job " .. status.jobName .. ")"
  end
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
end
return hs
