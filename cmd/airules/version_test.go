package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadVersion(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-12-01T16:00:00Z"}}
	tests := []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string // the line up to the Go version
	}{
		{"no build info", "dev", nil, "airules dev ("},
		{"go run: devel, no VCS", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "airules dev ("},
		{"go build in a clone", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201160000-0123456789ab"}, Settings: vcs},
			"airules v0.0.0-20261201160000-0123456789ab (revision 0123456789ab, 2026-12-01T16:00:00Z, "},
		{"modified tree", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201160000-0123456789ab+dirty"},
			Settings: append(vcs[:3:3], debug.BuildSetting{Key: "vcs.modified", Value: "true"})},
			"airules v0.0.0-20261201160000-0123456789ab+dirty (revision 0123456789ab, 2026-12-01T16:00:00Z, modified, "},
		{"devel with VCS", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			"airules dev (revision 0123456789ab, 2026-12-01T16:00:00Z, "},
		{"ldflags win", "v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "airules v1.2.3 ("},
		{"tagged module", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "airules v1.4.0 ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readVersion(tt.ldflags, tt.bi, tt.bi != nil).String()
			if !strings.HasPrefix(got, tt.want) || !strings.HasSuffix(got, ")") || strings.Contains(got, "\n") {
				t.Errorf("got %q, want it to start with %q", got, tt.want)
			}
		})
	}
}
