# Sourced by the build scripts (hack/controlplane, hack/helm, hack/gitops): what they share.
# The sourcing script defines log().

# The version a go.mod requires for a module, e.g. "v1.34.4".
required_version() { # go.mod module
  awk -v m="$2" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}

# `go build` of the packages in a module directory into a temporary directory, then renamed into
# the output directory, so an interrupted build never leaves a binary that looks complete.
go_build() { # module dir, output dir, go build args...
  local dir="$1" out="$2"; shift 2
  local tmp="$out.tmp.$$" start=$SECONDS
  command -v go >/dev/null || { log "go not found on PATH: install Go 1.24 or newer to build $out"; exit 1; }
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "building into $out (first time only; minutes)"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -o "$tmp/" "$@")
  mkdir -p "$out"
  mv "$tmp"/* "$out/"
  rmdir "$tmp"
  log "built $out in $((SECONDS - start)) s"
}
