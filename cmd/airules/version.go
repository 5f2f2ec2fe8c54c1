package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is set at build time with -ldflags "-X main.Version=…"; otherwise the module
// version from the build info is used.
var Version = "dev"

// buildVersion is what the binary knows of its own build.
type buildVersion struct {
	version  string // v1.2.3, a pseudo-version, or "dev"
	revision string // VCS revision, "" when built without VCS information
	time     string // commit time, RFC 3339
	modified bool   // built from a tree with uncommitted changes
	goVer    string
}

// readVersion reads the version from -ldflags, else from the build info: `go build` and
// `go install` in a clone stamp the module's pseudo-version and vcs.* settings.
func readVersion(ldflags string, bi *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{version: ldflags, goVer: runtime.Version()}
	if !ok || bi == nil {
		return v
	}
	if bi.GoVersion != "" {
		v.goVer = bi.GoVersion
	}
	if v.version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.revision = s.Value
		case "vcs.time":
			v.time = s.Value
		case "vcs.modified":
			v.modified = s.Value == "true"
		}
	}
	return v
}

// String is one line, for `airules version`, `--version` and health checks that read
// the first line: "airules v0.0.0-… (revision 0123456789ab, modified, go1.26 linux/amd64)".
func (v buildVersion) String() string {
	var parts []string
	if v.revision != "" {
		rev := v.revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		parts = append(parts, "revision "+rev)
		if v.time != "" {
			parts = append(parts, v.time)
		}
		if v.modified {
			parts = append(parts, "modified")
		}
	}
	parts = append(parts, v.goVer+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("airules %s (%s)", v.version, strings.Join(parts, ", "))
}

func currentVersion() buildVersion {
	bi, ok := debug.ReadBuildInfo()
	return readVersion(Version, bi, ok)
}

// version is the bare version, for the server's serverInfo.
func version() string { return currentVersion().version }

func versionLine() string { return currentVersion().String() }

func runVersion(stdout io.Writer) int {
	fmt.Fprintln(stdout, versionLine())
	return 0
}
