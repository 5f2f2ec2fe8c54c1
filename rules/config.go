package rules

import (
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	yaml "go.yaml.in/yaml/v3"
)

// ConfigFile is the optional configuration file, relative to the native rules root.
const ConfigFile = "config.yaml"

// Config is the workspace's runtime configuration (.ai-rules/config.yaml). The zero
// value is the default: everything on.
type Config struct {
	// Disabled turns the whole thing off (`enabled: false`, or AIRULES_ENABLED=false):
	// a server answers every request with empty results.
	Disabled bool
	// Formats are the readers that are on; nil means all.
	Formats []Format
	// Layers is the layer order, highest first; nil means the default
	// (user, project, team, dependency). Layers it leaves out follow in default order.
	Layers []Layer
	// DisabledRules are rule ids, or doublestar globs of ids, that never apply.
	DisabledRules []string
	// MaxTokens is the default budget; 0 means DefaultMaxTokens.
	MaxTokens int
	// Dependencies says per ecosystem whether dependency rules are read; a missing
	// ecosystem is on. Packages, when set for an ecosystem, limits it to those.
	Dependencies map[Ecosystem]DependencyConfig
	// Exclude are doublestar globs of workspace paths never read as rules.
	Exclude []string
	// Problems are what is wrong with the file, with ranges, like a rule file's.
	Problems []Problem
}

// DependencyConfig is one ecosystem's setting.
type DependencyConfig struct {
	Off      bool
	Packages []string // nil: every declared package
}

// configKeys documents the configuration file, for hover and a schema.
var configKeys = []KeySpec{
	{Name: "enabled", Kind: KindBool, Type: "boolean", Doc: "false turns airules off for this workspace: requests get empty answers.", Example: `enabled: true`},
	{Name: "formats", Kind: KindEnums, Type: "list of formats", Doc: "The readers that are on (default: all).", Example: `formats: [airules, agents, cursor]`},
	{Name: "layers", Kind: KindEnums, Values: []string{"user", "project", "team", "dependency"}, Type: "list of layers, highest first", Doc: "The order of the layers.", Example: `layers: [project, user, team, dependency]`},
	{Name: "disabled", Kind: KindStrings, Type: "list of rule ids or globs of ids", Doc: "Rules that never apply.", Example: `disabled: ["30-contexts/legacy-*", "cursorrules"]`},
	{Name: "maxTokens", Kind: KindInt, Type: "positive integer", Doc: "The default token budget of a prompt.", Example: `maxTokens: 16000`},
	{Name: "dependencies", Kind: KindString, Type: "false, or a mapping of hex, npm, go to true, false or a list of packages", Doc: "Which dependency rules are read.", Example: `dependencies: {hex: true, npm: [zod], go: false}`},
	{Name: "exclude", Kind: KindGlobs, Type: "list of globs", Doc: "Workspace paths never read as rules.", Example: `exclude: ["vendor/**"]`},
	{Name: "team", Kind: KindString, Type: "mapping of url, bucket, creds, tls", Doc: "The team layer's NATS server: read and checked by the index's team source (credentials as file paths, never inline).", Example: `team: {url: "nats://nats.example:4222", bucket: airules-team}`},
}

// ConfigKeys returns the keys of .ai-rules/config.yaml.
func ConfigKeys() []KeySpec {
	out := append([]KeySpec(nil), configKeys...)
	out[1].Values = formatNames()
	return out
}

func formatNames() []string {
	out := make([]string, len(Formats))
	for i, f := range Formats {
		out[i] = string(f)
	}
	return out
}

// ParseConfig reads .ai-rules/config.yaml. It never fails: what is wrong is in
// Problems, and a wrong value leaves its default.
func ParseConfig(data []byte) Config {
	var cfg Config
	r := &Rule{}
	if len(data) > MaxFileSize {
		cfg.Problems = []Problem{TooLarge(int64(len(data)))}
		return cfg
	}
	if bad := notText(data); bad >= 0 {
		cfg.Problems = []Problem{newProblem(CodeNotText, Range{}, "not a text file: the configuration must be UTF-8 YAML")}
		return cfg
	}
	text := strings.ReplaceAll(strings.TrimPrefix(string(data), "\ufeff"), "\r\n", "\n")
	p := &parser{r: r, text: text, lines: strings.Split(text, "\n"), start: -1}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			line, msg = n-1, err.Error()[len(m[0]):]
		}
		p.problem(CodeYAMLSyntax, p.lineRange(line), "YAML syntax error: %s", msg)
		cfg.Problems = r.Problems
		return cfg
	}
	if len(doc.Content) == 0 {
		return cfg
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.problem(CodeWrongType, p.nodeRange(root), "the configuration must be a mapping of keys to values, like `maxTokens: 16000`")
		cfg.Problems = r.Problems
		return cfg
	}
	seen := map[string]bool{}
	names := make([]string, len(configKeys))
	for i, k := range configKeys {
		names[i] = k.Name
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			p.problem(CodeDuplicateKey, p.nodeRange(k), "duplicate key %q: only one may stay, remove the other", k.Value)
			continue
		}
		seen[k.Value] = true
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			continue
		}
		switch k.Value {
		case "enabled":
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
				cfg.Disabled = !strings.EqualFold(v.Value, "true")
			} else {
				p.wrongType("enabled", "true or false (unquoted)", v)
			}
		case "formats":
			cfg.Formats = []Format{}
			for _, it := range p.list("formats", v, false) {
				if !contains(formatNames(), it.value) {
					pb := p.problem(CodeUnknownValue, it.rg, "unknown format %q: use one of %s", it.value, strings.Join(formatNames(), ", "))
					p.replaceFix(pb, it.rg, suggest(it.value, formatNames()))
					continue
				}
				cfg.Formats = append(cfg.Formats, Format(it.value))
			}
		case "layers":
			for _, it := range p.list("layers", v, false) {
				l, ok := layerByName(it.value)
				if !ok {
					pb := p.problem(CodeUnknownValue, it.rg, "unknown layer %q: use user, project, team or dependency", it.value)
					p.replaceFix(pb, it.rg, suggest(it.value, layerNames[:]))
					continue
				}
				cfg.Layers = append(cfg.Layers, l)
			}
		case "disabled":
			for _, it := range p.list("disabled", v, false) {
				if !doublestar.ValidatePattern(it.value) {
					p.problem(CodeInvalidGlob, it.rg, "invalid glob of rule ids %q", it.value)
					continue
				}
				if err := GlobCost(it.value); err != nil {
					p.problem(CodeInvalidGlob, it.rg, "glob %q is too complex to match: %v", it.value, err)
					continue
				}
				cfg.DisabledRules = append(cfg.DisabledRules, it.value)
			}
		case "maxTokens":
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || err != nil || n <= 0 {
				p.wrongType("maxTokens", "a positive integer", v)
				continue
			}
			cfg.MaxTokens = n
		case "dependencies":
			p.dependencies(&cfg, v)
		case "team":
			// The team source reads and checks this section itself (index/teamconfig.go).
		case "exclude":
			for _, it := range p.list("exclude", v, false) {
				if !doublestar.ValidatePattern(strings.TrimPrefix(it.value, "!")) {
					p.problem(CodeInvalidGlob, it.rg, "invalid glob %q", it.value)
					continue
				}
				if err := GlobCost(strings.TrimPrefix(it.value, "!")); err != nil {
					p.problem(CodeInvalidGlob, it.rg, "glob %q is too complex to match: %v", it.value, err)
					continue
				}
				cfg.Exclude = append(cfg.Exclude, it.value)
			}
		default:
			rg := p.nodeRange(k)
			if sug := suggest(k.Value, names); sug != "" {
				pb := p.problem(CodeUnknownKey, rg, "unknown key %q: did you mean %q?", k.Value, sug)
				p.replaceFix(pb, rg, sug)
			} else {
				p.problem(CodeUnknownKey, rg, "unknown key %q: known keys are %s", k.Value, strings.Join(names, ", "))
			}
		}
	}
	cfg.Problems = r.Problems
	return cfg
}

func (p *parser) dependencies(cfg *Config, v *yaml.Node) {
	ecos := []string{string(EcoHex), string(EcoNPM), string(EcoGo)}
	cfg.Dependencies = map[Ecosystem]DependencyConfig{}
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		if !strings.EqualFold(v.Value, "true") {
			for _, e := range ecos {
				cfg.Dependencies[Ecosystem(e)] = DependencyConfig{Off: true}
			}
		}
		return
	}
	if v.Kind != yaml.MappingNode {
		p.wrongType("dependencies", "true, false, or a mapping of hex, npm and go", v)
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if !contains(ecos, k.Value) {
			pb := p.problem(CodeUnknownValue, p.nodeRange(k), "unknown ecosystem %q: use hex, npm or go", k.Value)
			p.replaceFix(pb, p.nodeRange(k), suggest(k.Value, ecos))
			continue
		}
		eco := Ecosystem(k.Value)
		switch {
		case val.Kind == yaml.ScalarNode && val.ShortTag() == "!!bool":
			cfg.Dependencies[eco] = DependencyConfig{Off: !strings.EqualFold(val.Value, "true")}
		case val.Kind == yaml.SequenceNode:
			dc := DependencyConfig{Packages: []string{}}
			for _, it := range p.list("dependencies."+k.Value, val, false) {
				dc.Packages = append(dc.Packages, it.value)
			}
			cfg.Dependencies[eco] = dc
		default:
			p.wrongType("dependencies."+k.Value, "true, false or a list of packages", val)
		}
	}
}

func layerByName(s string) (Layer, bool) {
	for i, n := range layerNames {
		if n == s {
			return Layer(i), true
		}
	}
	return 0, false
}

// FormatOn reports whether the configuration reads files of format f.
func (c *Config) FormatOn(f Format) bool {
	if c != nil && c.Disabled {
		return false // airules is off: no rule file is read
	}
	if c == nil || c.Formats == nil {
		return true
	}
	return containsFormat(c.Formats, f)
}

func containsFormat(fs []Format, f Format) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// DependencyOn reports whether the configuration reads pkg's rules in eco.
func (c *Config) DependencyOn(eco Ecosystem, pkg string) bool {
	if c == nil {
		return true
	}
	dc, ok := c.Dependencies[eco]
	if !ok {
		return true
	}
	return !dc.Off && (dc.Packages == nil || contains(dc.Packages, pkg))
}

// Excluded reports whether the workspace-relative path rel is excluded.
func (c *Config) Excluded(rel string) bool {
	if c == nil {
		return false
	}
	for _, g := range c.Exclude {
		for _, pat := range compileGlob(g) {
			if pat.matches(rel, lastPart(rel)) {
				return true
			}
		}
	}
	return false
}

func lastPart(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[i+1:]
	}
	return rel
}

// Enabled reports whether airules is on: the configuration does not turn it off and env,
// the value of the environment variable AIRULES_ENABLED, is not false (0, no, off).
func (c *Config) Enabled(env string) bool {
	switch strings.ToLower(strings.TrimSpace(env)) {
	case "false", "0", "no", "off":
		return false
	}
	return c == nil || !c.Disabled
}
