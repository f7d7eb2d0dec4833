package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mountSecrets writes the Secret volumes the container mounts into the pod's directory, as the
// kubelet does (every key, or only `items`, as files), and returns mountPath → local directory.
// The process runs on this machine's filesystem, so remap replaces a mount path at the start of an
// argument or env value with that directory. Other volume types (emptyDir) are left alone.
func (r *runner) mountSecrets(ctx context.Context, pod *corev1.Pod, dir string) (map[string]string, error) {
	volumes := map[string]*corev1.SecretVolumeSource{}
	for i := range pod.Spec.Volumes {
		if s := pod.Spec.Volumes[i].Secret; s != nil {
			volumes[pod.Spec.Volumes[i].Name] = s
		}
	}
	mounts := map[string]string{}
	for _, m := range pod.Spec.Containers[0].VolumeMounts {
		src, ok := volumes[m.Name]
		if !ok {
			continue
		}
		secret, err := r.client.CoreV1().Secrets(pod.Namespace).Get(ctx, src.SecretName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			if src.Optional != nil && *src.Optional {
				continue
			}
			// The kubelet's wording for a missing Secret volume.
			return nil, fmt.Errorf("MountVolume.SetUp failed for volume %q : secret %q not found", m.Name, src.SecretName)
		}
		if err != nil {
			return nil, err
		}
		local := filepath.Join(dir, "volumes", m.Name)
		if err := os.MkdirAll(local, 0o755); err != nil {
			return nil, err
		}
		files := map[string]string{}
		if len(src.Items) == 0 {
			for k := range secret.Data {
				files[k] = k
			}
		}
		for _, item := range src.Items {
			if _, ok := secret.Data[item.Key]; !ok {
				return nil, fmt.Errorf("MountVolume.SetUp failed for volume %q : references non-existent secret key: %s", m.Name, item.Key)
			}
			files[item.Key] = item.Path
		}
		for key, path := range files {
			if err := os.WriteFile(filepath.Join(local, path), secret.Data[key], 0o444); err != nil {
				return nil, err
			}
		}
		mounts[strings.TrimSuffix(m.MountPath, "/")] = local
	}
	return mounts, nil
}

// remap points a value under a mounted path (exactly the path, or below it) at the local copy.
func remap(value string, mounts map[string]string) string {
	for mountPath, local := range mounts {
		if value == mountPath || strings.HasPrefix(value, mountPath+"/") {
			return local + strings.TrimPrefix(value, mountPath)
		}
		if i := strings.Index(value, "="+mountPath); i >= 0 && (strings.HasSuffix(value, "="+mountPath) || strings.HasPrefix(value[i+1+len(mountPath):], "/")) {
			return value[:i+1] + local + value[i+1+len(mountPath):]
		}
	}
	return value
}
