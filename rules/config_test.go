package rules

import (
	"slices"
	"testing"
)

func TestParseConfig(t *testing.T) {
	cfg := ParseConfig([]byte("enabled: false\nmaxTokens: 4000\ndependencies: false\nlayers: [project]\nformats: [agents]\n"))
	if len(cfg.Problems) != 0 {
		t.Fatalf("problems %v", cfg.Problems)
	}
	if cfg.Enabled("") || cfg.MaxTokens != 4000 || cfg.DependencyOn(EcoHex, "ash") || cfg.FormatOn(FormatAgents) || cfg.FormatOn(FormatCursor) {
		t.Errorf("config %+v: off, so no reader is on", cfg)
	}
	if on := ParseConfig([]byte("formats: [agents]\n")); !on.FormatOn(FormatAgents) || on.FormatOn(FormatCursor) {
		t.Errorf("formats: [agents]: agents %v, cursor %v", on.FormatOn(FormatAgents), on.FormatOn(FormatCursor))
	}
	var def *Config
	if !def.Enabled("") || def.Enabled("false") || def.Enabled(" OFF ") || !def.Enabled("true") || !def.FormatOn(FormatCursor) {
		t.Error("the default config is on unless AIRULES_ENABLED says false")
	}
	if r := layerRanks(cfg.Layers); r[LayerProject] <= r[LayerUser] || r[LayerUser] <= r[LayerTeam] || r[LayerTeam] <= r[LayerDependency] {
		t.Errorf("ranks %v", r)
	}
	for _, tc := range []struct {
		src  string
		want []Code
	}{
		{"maxTokens: [1\n", []Code{CodeYAMLSyntax}},
		{"- a\n- b\n", []Code{CodeWrongType}},
		{"maxTokens: -5\nenabled: yes please\n", []Code{CodeWrongType, CodeWrongType}},
		{"exclude: [\"[\"]\ndisabled: [\"{a\"]\n", []Code{CodeInvalidGlob, CodeInvalidGlob}},
		{"layers: [usr]\nlayers: [user]\n", []Code{CodeUnknownValue, CodeDuplicateKey}},
		{"dependencies: {npm: 3}\n", []Code{CodeWrongType}},
		{"", nil},
	} {
		if got := codes(ParseConfig([]byte(tc.src)).Problems); !slices.Equal(got, tc.want) {
			t.Errorf("%q: codes %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestDisabledGlobsAndLayerOrder(t *testing.T) {
	mk := func(id string, l Layer) *Rule {
		return Parse(Source{Path: "/ws/" + l.String() + "/" + id + ".md", ID: id, Layer: l, Format: FormatAirules},
			[]byte("---\ndescription: "+id+"\nalwaysApply: true\n---\nBody of "+id+" in "+l.String()+".\n"))
	}
	rs := []*Rule{mk("a", LayerUser), mk("a", LayerProject), mk("legacy/x", LayerProject), mk("d", LayerDependency)}
	sel := NewSet(rs, SetOptions{Disabled: []string{"legacy/*"}, Layers: []Layer{LayerProject, LayerDependency}}).Select("x.go", "")
	if got := ids(sel.Applied); !slices.Equal(got, []string{"a", "d"}) || sel.Applied[0].Rule.Layer != LayerProject {
		t.Fatalf("applied %v (first from %v)", got, sel.Applied[0].Rule.Layer)
	}
	var reasons []string
	for _, o := range sel.Omitted {
		reasons = append(reasons, o.Rule.ID+":"+o.Reason)
	}
	slices.Sort(reasons)
	if !slices.Equal(reasons, []string{"a:shadowed", "legacy/x:disabled"}) {
		t.Errorf("omitted %v", reasons)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("formats: [agents]\nlayers: [user]\ndependencies: {hex: [ash]}\nexclude: [\"a/**\"]\n"))
	f.Add([]byte("enabled: false\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := ParseConfig(data)
		for _, p := range cfg.Problems {
			if p.Range.Start.Line < 0 || p.Message == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}
