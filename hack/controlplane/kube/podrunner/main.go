// Command podrunner plays the kubelet of the local control plane for this project's purge pods.
//
// It registers one Ready node, binds pending pods whose image matches a pattern to it, runs each
// one's container as `java -jar $PURGE_JAR <container args>` with the container's environment
// resolved like the kubelet does, writes the container's termination message from the file the
// kubelet would mount at terminationMessagePath, and reports pod status (Running, then Succeeded
// or Failed with exit code). On a deletionTimestamp it stops the process (SIGTERM, SIGKILL after
// the grace period) and confirms the deletion with grace 0. Development tooling only.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
)

// Limits the kubelet applies to termination messages.
const (
	maxTerminationMessage = 4096
	maxFallbackLogBytes   = 2048
	maxFallbackLogLines   = 80
	configRetryInterval   = 2 * time.Second
)

type runner struct {
	client   kubernetes.Interface
	node     string
	image    *regexp.Regexp
	java     string
	javaOpts []string
	jar      string
	podsDir  string
	queue    workqueue.TypedRateLimitingInterface[string]
	pods     cache.Indexer

	mu    sync.Mutex
	procs map[types.UID]*proc // one per started container; kept after exit until the pod is gone
}

type proc struct {
	cmd         *exec.Cmd
	done        chan struct{} // closed once the process exited and its final status is written
	terminating bool
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "admin kubeconfig")
	node := flag.String("node-name", "local-node", "name of the node this runner registers and serves")
	nodeVersion := flag.String("node-version", "v0.0.0-local", "kubelet version the node reports")
	image := flag.String("image-pattern", envOr("PODRUNNER_IMAGE_PATTERN", "user-data-purge"),
		"regular expression; pods with a container image matching it are run, others stay Pending")
	java := flag.String("java", envOr("JAVA", "java"), "java executable")
	javaOpts := flag.String("java-opts", envOr("PURGE_JAVA_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"),
		"JVM options placed before -jar")
	jar := flag.String("jar", os.Getenv("PURGE_JAR"), "the jar every matching container runs")
	podsDir := flag.String("pods-dir", "pods", "directory for per-pod logs and termination message files")
	workers := flag.Int("workers", 4, "pods synced concurrently")
	flag.Parse()

	if *jar == "" {
		log.Fatal("no jar: set --jar or PURGE_JAR")
	}
	pattern, err := regexp.Compile(*image)
	if err != nil {
		log.Fatalf("--image-pattern %q is not a regular expression: %v", *image, err)
	}
	javaPath, err := exec.LookPath(*java)
	if err != nil {
		log.Fatalf("java executable %q not found: %v (set --java or JAVA)", *java, err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("cannot load kubeconfig %q: %v", *kubeconfig, err)
	}
	cfg.UserAgent = "local-podrunner"
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	r := &runner{
		client: client, node: *node, image: pattern, java: javaPath, javaOpts: strings.Fields(*javaOpts),
		jar: *jar, podsDir: *podsDir, procs: map[types.UID]*proc{},
		queue: workqueue.NewTypedRateLimitingQueue(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](200*time.Millisecond, 5*time.Second)),
	}
	if err := os.MkdirAll(r.podsDir, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := r.registerNode(ctx, *nodeVersion); err != nil {
		log.Fatalf("cannot register node %s: %v", r.node, err)
	}
	go r.heartbeat(ctx)

	factory := informers.NewSharedInformerFactory(client, 0)
	informer := factory.Core().V1().Pods().Informer()
	r.pods = informer.GetIndexer()
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    r.enqueue,
		UpdateFunc: func(_, obj interface{}) { r.enqueue(obj) },
		DeleteFunc: r.forget,
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		log.Fatal("pod cache did not sync")
	}
	for i := 0; i < *workers; i++ {
		go r.work(ctx)
	}
	log.Printf("node %s ready; running pods with image matching %q as %s %s -jar %s",
		r.node, *image, javaPath, *javaOpts, *jar)
	<-ctx.Done()
	r.queue.ShutDown()
	r.stopAll()
}

func envOr(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

func (r *runner) enqueue(obj interface{}) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		r.queue.Add(key)
	}
}

// forget stops the process of a pod deleted without our confirmation (e.g. with --force).
func (r *runner) forget(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	r.mu.Lock()
	p := r.procs[pod.UID]
	delete(r.procs, pod.UID)
	r.mu.Unlock()
	if p != nil {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		}
	}
}

func (r *runner) work(ctx context.Context) {
	for {
		key, quit := r.queue.Get()
		if quit {
			return
		}
		if err := r.sync(ctx, key); err != nil {
			log.Printf("pod %s: %v (retrying)", key, err)
			r.queue.AddRateLimited(key)
		} else {
			r.queue.Forget(key)
		}
		r.queue.Done(key)
	}
}

func (r *runner) sync(ctx context.Context, key string) error {
	obj, exists, err := r.pods.GetByKey(key)
	if err != nil || !exists {
		return err
	}
	pod := obj.(*corev1.Pod)
	switch {
	case pod.Spec.NodeName == "":
		if pod.DeletionTimestamp != nil || !r.wants(pod) {
			return nil
		}
		return r.client.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: r.node},
		}, metav1.CreateOptions{})
	case pod.Spec.NodeName != r.node:
		return nil
	case pod.DeletionTimestamp != nil:
		return r.terminate(ctx, pod)
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return nil
	}

	r.mu.Lock()
	p := r.procs[pod.UID]
	r.mu.Unlock()
	if p != nil {
		return nil
	}
	if pod.Status.Phase == corev1.PodRunning {
		// Started by an earlier runner whose process is gone: report it like a lost container.
		return r.updateStatus(ctx, pod, func(s *corev1.PodStatus) {
			terminated(s, pod, 137, "Error", "the local pod runner restarted while this container ran", time.Now())
		})
	}
	if !r.wants(pod) {
		return nil
	}
	if msg := unsupported(pod); msg != "" {
		return r.wait(ctx, pod, "CreateContainerError", msg)
	}
	env, err := r.environment(ctx, pod, &pod.Spec.Containers[0])
	if err != nil {
		// Like the kubelet: stay Pending, say why, and try again (the Secret may appear later).
		r.queue.AddAfter(key, configRetryInterval)
		return r.wait(ctx, pod, "CreateContainerConfigError", err.Error())
	}
	dir := filepath.Join(r.podsDir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID))
	mounts, err := r.mountSecrets(ctx, pod, dir)
	if err != nil {
		r.queue.AddAfter(key, configRetryInterval)
		return r.wait(ctx, pod, "ContainerCreating", err.Error())
	}
	for k, v := range env {
		env[k] = remap(v, mounts)
	}
	return r.start(ctx, pod, env, mounts)
}

func (r *runner) wants(pod *corev1.Pod) bool {
	for _, c := range pod.Spec.Containers {
		if r.image.MatchString(c.Image) {
			return true
		}
	}
	return false
}

func unsupported(pod *corev1.Pod) string {
	switch {
	case len(pod.Spec.Containers) != 1 || len(pod.Spec.InitContainers) != 0:
		return "the local pod runner runs pods with exactly one container and no init containers"
	case pod.Spec.RestartPolicy != corev1.RestartPolicyNever:
		return "the local pod runner runs only pods with restartPolicy: Never"
	case len(pod.Spec.Containers[0].Command) != 0:
		return "the local pod runner runs the purge jar with the container's args; container command is not supported"
	}
	return ""
}

// environment resolves the container's env and envFrom like the kubelet, with the same messages.
func (r *runner) environment(ctx context.Context, pod *corev1.Pod, c *corev1.Container) (map[string]string, error) {
	secrets := map[string]*corev1.Secret{}
	configMaps := map[string]*corev1.ConfigMap{}
	secret := func(name string) (*corev1.Secret, error) {
		if s, ok := secrets[name]; ok {
			return s, nil
		}
		s, err := r.client.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) { // the kubelet's wording: secret "NAME" not found
			return nil, apierrors.NewNotFound(corev1.Resource("secret"), name)
		}
		if err == nil {
			secrets[name] = s
		}
		return s, err
	}
	configMap := func(name string) (*corev1.ConfigMap, error) {
		if cm, ok := configMaps[name]; ok {
			return cm, nil
		}
		cm, err := r.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, apierrors.NewNotFound(corev1.Resource("configmap"), name)
		}
		if err == nil {
			configMaps[name] = cm
		}
		return cm, err
	}
	optional := func(o *bool) bool { return o != nil && *o }

	env := map[string]string{}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, err := configMap(from.ConfigMapRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && optional(from.ConfigMapRef.Optional) {
					continue
				}
				return nil, err
			}
			for k, v := range cm.Data {
				env[from.Prefix+k] = v
			}
		case from.SecretRef != nil:
			s, err := secret(from.SecretRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && optional(from.SecretRef.Optional) {
					continue
				}
				return nil, err
			}
			for k, v := range s.Data {
				env[from.Prefix+k] = string(v)
			}
		}
	}
	for _, e := range c.Env {
		value := e.Value
		switch {
		case value != "" || e.ValueFrom == nil:
			value = expand(value, env)
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			s, err := secret(ref.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && optional(ref.Optional) {
					continue
				}
				return nil, err
			}
			v, ok := s.Data[ref.Key]
			if !ok {
				if optional(ref.Optional) {
					continue
				}
				return nil, fmt.Errorf("couldn't find key %v in Secret %v/%v", ref.Key, pod.Namespace, ref.Name)
			}
			value = string(v)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, err := configMap(ref.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && optional(ref.Optional) {
					continue
				}
				return nil, err
			}
			v, ok := cm.Data[ref.Key]
			if !ok {
				if optional(ref.Optional) {
					continue
				}
				return nil, fmt.Errorf("couldn't find key %v in ConfigMap %v/%v", ref.Key, pod.Namespace, ref.Name)
			}
			value = v
		case e.ValueFrom.FieldRef != nil:
			v, err := fieldValue(pod, e.ValueFrom.FieldRef.FieldPath)
			if err != nil {
				return nil, err
			}
			value = v
		default:
			return nil, fmt.Errorf("env %s: the local pod runner does not support this valueFrom source", e.Name)
		}
		env[e.Name] = value
	}
	return env, nil
}

var fieldKey = regexp.MustCompile(`^metadata\.(labels|annotations)\['(.+)'\]$`)

func fieldValue(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.podIP":
		return "127.0.0.1", nil
	}
	if m := fieldKey.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return pod.Labels[m[2]], nil
		}
		return pod.Annotations[m[2]], nil
	}
	return "", fmt.Errorf("unsupported fieldPath %q", path)
}

var varRef = regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)

// expand replaces $(VAR) with a value defined earlier and $$ with $, as the kubelet does.
func expand(s string, env map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// start runs the container's process in the background and reports it Running.
func (r *runner) start(ctx context.Context, pod *corev1.Pod, env map[string]string, mounts map[string]string) error {
	c := &pod.Spec.Containers[0]
	dir := filepath.Join(r.podsDir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	messageFile := filepath.Join(dir, "termination-log")
	if err := os.WriteFile(messageFile, nil, 0o666); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "container.log"))
	if err != nil {
		return err
	}
	containerArgs := substitute(c, messageFile, env)
	for i, a := range containerArgs {
		containerArgs[i] = remap(a, mounts)
	}
	args := append(append(append([]string{}, r.javaOpts...), "-jar", r.jar), containerArgs...)
	cmd := exec.Command(r.java, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Only what the container declares, as in a container; PATH so the JVM finds its tools.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOSTNAME=" + pod.Name}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return r.updateStatus(ctx, pod, func(s *corev1.PodStatus) {
			terminated(s, pod, 128, "StartError", err.Error(), started)
		})
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	r.mu.Lock()
	r.procs[pod.UID] = p
	r.mu.Unlock()
	log.Printf("pod %s/%s: started pid %d: %s", pod.Namespace, pod.Name, cmd.Process.Pid, strings.Join(cmd.Args, " "))

	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	go func() {
		defer close(p.done)
		if err := r.updateStatus(ctx, pod, func(s *corev1.PodStatus) { running(s, pod, started) }); err != nil {
			log.Printf("pod %s/%s: cannot report Running: %v", pod.Namespace, pod.Name, err)
		}
		<-exited
		code := exitCode(cmd.ProcessState)
		reason := "Completed"
		if code != 0 {
			reason = "Error"
		}
		message := terminationMessage(messageFile, filepath.Join(dir, "container.log"),
			c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError && code != 0)
		log.Printf("pod %s/%s: pid %d exited with code %d", pod.Namespace, pod.Name, cmd.Process.Pid, code)
		// Like the kubelet, keep trying while the API server is away (restarted, unreachable):
		// a lost exit report would leave the pod Running forever and its result unread.
		for {
			err := r.updateStatus(context.Background(), pod, func(s *corev1.PodStatus) {
				terminated(s, pod, code, reason, message, started)
			})
			if err == nil || apierrors.IsNotFound(err) {
				break
			}
			log.Printf("pod %s/%s: cannot report exit: %v (retrying)", pod.Namespace, pod.Name, err)
			time.Sleep(configRetryInterval)
		}
	}()
	return nil
}

// substitute points arguments naming the termination message path at the pod's own file (the
// kubelet mounts a file there) and expands $(VAR) references like the kubelet.
func substitute(c *corev1.Container, messageFile string, env map[string]string) []string {
	path := c.TerminationMessagePath
	if path == "" {
		path = corev1.TerminationMessagePathDefault
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		a = expand(a, env)
		switch {
		case a == path:
			a = messageFile
		case strings.HasSuffix(a, "="+path):
			a = strings.TrimSuffix(a, path) + messageFile
		}
		args[i] = a
	}
	return args
}

func exitCode(state *os.ProcessState) int32 {
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int32(ws.Signal())
	}
	return int32(state.ExitCode())
}

// terminationMessage reads the message file like the kubelet: at most 4096 bytes (the tail), and
// when asked, the last log lines if the file is empty.
func terminationMessage(file, logFile string, fallbackToLogs bool) string {
	if msg := tail(file, maxTerminationMessage); msg != "" || !fallbackToLogs {
		return msg
	}
	lines := strings.SplitAfter(tail(logFile, 1<<20), "\n")
	if len(lines) > maxFallbackLogLines+1 {
		lines = lines[len(lines)-maxFallbackLogLines-1:]
	}
	logTail := strings.Join(lines, "")
	if len(logTail) > maxFallbackLogBytes {
		logTail = logTail[len(logTail)-maxFallbackLogBytes:]
	}
	return logTail
}

func tail(file string, max int) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}

// terminate stops a deleted pod's process (SIGTERM, SIGKILL after the grace period), then confirms
// the deletion with grace 0 as the kubelet does.
func (r *runner) terminate(ctx context.Context, pod *corev1.Pod) error {
	r.mu.Lock()
	p := r.procs[pod.UID]
	if p != nil && p.terminating {
		r.mu.Unlock()
		return nil
	}
	if p != nil {
		p.terminating = true
	}
	r.mu.Unlock()
	if p == nil {
		return r.confirmDeletion(ctx, pod)
	}
	go func() {
		select {
		case <-p.done:
		default:
			grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
			if pod.DeletionGracePeriodSeconds != nil {
				grace = *pod.DeletionGracePeriodSeconds
			}
			log.Printf("pod %s/%s: deleted; SIGTERM to pid %d, SIGKILL after %ds", pod.Namespace, pod.Name,
				p.cmd.Process.Pid, grace)
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(time.Duration(grace) * time.Second):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
		if err := r.confirmDeletion(ctx, pod); err != nil {
			log.Printf("pod %s/%s: cannot confirm deletion: %v", pod.Namespace, pod.Name, err)
		}
	}()
	return nil
}

func (r *runner) confirmDeletion(ctx context.Context, pod *corev1.Pod) error {
	zero := int64(0)
	err := r.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func (r *runner) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.procs {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		}
	}
}

// updateStatus applies change to the pod's current status and writes it, retrying on conflicts.
func (r *runner) updateStatus(ctx context.Context, pod *corev1.Pod, change func(*corev1.PodStatus)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current, err := r.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if current.UID != pod.UID {
			return nil
		}
		before := current.Status.DeepCopy()
		change(&current.Status)
		if equalStatus(before, &current.Status) {
			return nil
		}
		_, err = r.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, current, metav1.UpdateOptions{})
		return err
	})
}

func equalStatus(a, b *corev1.PodStatus) bool {
	return equality.Semantic.DeepEqual(a, b)
}

// wait reports the container as waiting (pod Pending) with the kubelet's reason and message.
func (r *runner) wait(ctx context.Context, pod *corev1.Pod, reason, message string) error {
	return r.updateStatus(ctx, pod, func(s *corev1.PodStatus) {
		s.Phase = corev1.PodPending
		s.HostIP = "127.0.0.1"
		s.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
		if s.StartTime == nil {
			now := metav1.Now()
			s.StartTime = &now
		}
		notReady := "containers with unready status: [" + pod.Spec.Containers[0].Name + "]"
		setConditions(s, corev1.ConditionFalse, "ContainersNotReady", notReady)
		s.ContainerStatuses = []corev1.ContainerStatus{{
			Name:  pod.Spec.Containers[0].Name,
			Image: pod.Spec.Containers[0].Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
		}}
	})
}

func running(s *corev1.PodStatus, pod *corev1.Pod, started time.Time) {
	s.Phase = corev1.PodRunning
	s.HostIP, s.PodIP = "127.0.0.1", "127.0.0.1"
	s.HostIPs, s.PodIPs = []corev1.HostIP{{IP: "127.0.0.1"}}, []corev1.PodIP{{IP: "127.0.0.1"}}
	if s.StartTime == nil {
		s.StartTime = &metav1.Time{Time: started}
	}
	setConditions(s, corev1.ConditionTrue, "", "")
	yes := true
	s.ContainerStatuses = []corev1.ContainerStatus{{
		Name: pod.Spec.Containers[0].Name, Image: pod.Spec.Containers[0].Image, Ready: true, Started: &yes,
		ContainerID: "local://" + string(pod.UID),
		State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Time{Time: started}}},
	}}
}

func terminated(s *corev1.PodStatus, pod *corev1.Pod, code int32, reason, message string, started time.Time) {
	s.Phase = corev1.PodSucceeded
	if code != 0 {
		s.Phase = corev1.PodFailed
	}
	if s.StartTime == nil {
		s.StartTime = &metav1.Time{Time: started}
	}
	setConditions(s, corev1.ConditionFalse, "PodCompleted", "")
	no := false
	s.ContainerStatuses = []corev1.ContainerStatus{{
		Name: pod.Spec.Containers[0].Name, Image: pod.Spec.Containers[0].Image, Started: &no,
		ContainerID: "local://" + string(pod.UID),
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: code, Reason: reason, Message: message, ContainerID: "local://" + string(pod.UID),
			StartedAt: metav1.Time{Time: started}, FinishedAt: metav1.Now(),
		}},
	}}
}

// setConditions sets Initialized and PodScheduled true and Ready/ContainersReady as given,
// keeping transition times of conditions that did not change.
func setConditions(s *corev1.PodStatus, ready corev1.ConditionStatus, reason, message string) {
	want := map[corev1.PodConditionType]corev1.PodCondition{
		corev1.PodScheduled:    {Status: corev1.ConditionTrue},
		corev1.PodInitialized:  {Status: corev1.ConditionTrue},
		corev1.ContainersReady: {Status: ready, Reason: reason, Message: message},
		corev1.PodReady:        {Status: ready, Reason: reason, Message: message},
	}
	var out []corev1.PodCondition
	for _, t := range []corev1.PodConditionType{corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled} {
		c := want[t]
		c.Type = t
		c.LastTransitionTime = metav1.Now()
		for _, old := range s.Conditions {
			if old.Type == t && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	s.Conditions = out
}

// registerNode creates (or takes over) the node and reports it Ready.
func (r *runner) registerNode(ctx context.Context, version string) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: r.node, Labels: map[string]string{
		"kubernetes.io/hostname": r.node, "kubernetes.io/os": runtime.GOOS, "kubernetes.io/arch": runtime.GOARCH,
	}}}
	if _, err := r.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current, err := r.client.CoreV1().Nodes().Get(ctx, r.node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		resources := corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
			corev1.ResourceMemory: resource.MustParse("8Gi"),
			corev1.ResourcePods:   resource.MustParse("110"),
		}
		current.Status.Capacity, current.Status.Allocatable = resources, resources
		current.Status.Addresses = []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: r.node},
		}
		current.Status.NodeInfo.KubeletVersion = version
		current.Status.NodeInfo.OperatingSystem = runtime.GOOS
		current.Status.NodeInfo.Architecture = runtime.GOARCH
		current.Status.NodeInfo.ContainerRuntimeVersion = "local://podrunner"
		now := metav1.Now()
		current.Status.Conditions = []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "local pod runner is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now,
		}}
		_, err = r.client.CoreV1().Nodes().UpdateStatus(ctx, current, metav1.UpdateOptions{})
		return err
	})
}

func (r *runner) heartbeat(ctx context.Context) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				node, err := r.client.CoreV1().Nodes().Get(ctx, r.node, metav1.GetOptions{})
				if err != nil {
					return err
				}
				for i := range node.Status.Conditions {
					if node.Status.Conditions[i].Type == corev1.NodeReady {
						node.Status.Conditions[i].LastHeartbeatTime = metav1.Now()
					}
				}
				_, err = r.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
				return err
			})
			if err != nil && ctx.Err() == nil {
				log.Printf("node heartbeat: %v", err)
			}
		}
	}
}
