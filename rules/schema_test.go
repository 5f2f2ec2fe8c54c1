package rules

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	yaml "go.yaml.in/yaml/v3"
)

// compileSchema compiles the schema of f with a real JSON Schema validator, which also
// checks it against the draft-07 meta-schema.
func compileSchema(t *testing.T, f Format) *jsonschema.Schema {
	t.Helper()
	data, err := Schema(f)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("schema %s is not JSON: %v", f, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///" + string(f) + ".schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("schema %s does not compile: %v", f, err)
	}
	return sch
}

// frontmatterBlock returns the YAML between the --- lines, as the parser finds it, or
// false when the file has none.
func frontmatterBlock(data []byte) (string, bool) {
	text := strings.ReplaceAll(strings.TrimPrefix(string(data), "\ufeff"), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) || strings.TrimSpace(lines[i]) != "---" {
		return "", false
	}
	for j := i + 1; j < len(lines); j++ {
		if strings.TrimSpace(lines[j]) == "---" {
			return strings.Join(lines[i+1:j], "\n"), true
		}
	}
	return "", false
}

// instance is the frontmatter as the JSON an editor validates, through a JSON round
// trip so that it holds only JSON types.
func instance(t *testing.T, block string) (any, bool) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
		return nil, false // not YAML to other tools: nothing a schema could say
	}
	v, err := jsonValue(&doc, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v == nil {
		v = map[string]any{}
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return inst, true
}

// schemaChecked reports whether the schema expresses a problem: unknown keys, types,
// the priority range, enumerated values and dates (a real day through "format": "date",
// which the test's validator asserts). What it cannot say (updated before created, a
// glob that does not compile or match, an empty description or body) is the
// validator's alone.
func schemaChecked(p Problem) bool {
	switch p.Code {
	case CodeUnknownKey, CodeWrongType, CodePriorityRange, CodeUnknownLanguage, CodeUnknownValue:
		return true
	case CodeBadDate:
		return !strings.Contains(p.Message, " is before ")
	}
	return false
}

// unreadable are problems after which no frontmatter is left for another tool to read.
func unreadable(ps []Problem) bool {
	for _, p := range ps {
		switch p.Code {
		case CodeYAMLSyntax, CodeNotText, CodeTooLarge, CodeUnquotedGlobs:
			return true
		}
	}
	return false
}

type schemaCase struct {
	name string
	data []byte
}

// extraCases are frontmatters the golden inputs do not hold, each checked in every format.
var extraCases = []string{
	"description: x\napplyTo: \"**/*.go\"",
	"description: x\napplyTo: 5",
	"description: x\napplyTo: [\"src/**\", \"!**/*.gen.go\"]",
	"description: x\nalwaysAply:",
	"description: x\nlanguage: [go, 5]",
	"description: x\nlanguage: elixr",
	"description: x\nlanguage: [go, typescript]",
	"description: x\nscope: project",
	"description: x\nscope: projct",
	"description: x\nscope: {a: b}",
	"description: x\ntags: {a: b}",
	"description: x\ntags: [a, [b]]",
	"description: x\ncreated: 2026-01-01T10:00:00Z",
	"description: x\ncreated: 2026-1-1",
	"description: x\ncreated: 2026-13-01",
	"description: x\ncreated: 2026-02-30", // the schema says so through format: date, where a validator asserts formats
	"description: x\nupdated: [2026-01-01]",
	"description: x\npriority: -1",
	"description: x\npriority: 0x10",
	"description: x\npriority: 99999999999999999999999",
	"description: x\npriority: \"5\"",
	"description: x\nversion: 2",
	"description: x\nversion: true",
	"description: x\nversion: [1]",
	"description: x\nstatus:",
	"description: x\nstatus: 1",
	"description: x\nalwaysApply: yes",
	"description: x\nalwaysApply: false",
	"description: 5",
	"description:",
	"description: x\nglobs: [\"a/**\", \"!b\"]",
	"description: x\nglobs: [1]",
	"description: x\nglobs: \"a/**, b/**\"",
	"- a\n- b",
	"just text",
	"",
}

// TestSchemaHoldsToValidator validates every golden input, and more, against the
// schema of every format: a frontmatter the validator finds no schema-expressible
// problem in must validate, and one it does must not.
func TestSchemaHoldsToValidator(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(diagDir, "*.md"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs in %s: %v", diagDir, err)
	}
	var cases []schemaCase
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, schemaCase{filepath.Base(in), data})
	}
	for i, fm := range extraCases {
		cases = append(cases, schemaCase{"extra" + string(rune('A'+i)) + ": " + fm, []byte("---\n" + fm + "\n---\nBody.\n")})
	}
	for _, spec := range FormatSpecs {
		sch := compileSchema(t, spec.Format)
		accepted, rejected := 0, 0
		// The format's own keys, each alone and all together, from their documented
		// examples: the golden inputs are mostly written in the native keys.
		own := slices.Clone(cases)
		var all []string
		for _, k := range spec.Keys {
			all = append(all, k.Example)
			own = append(own, schemaCase{spec.Format.Title() + " " + k.Name, []byte("---\n" + k.Example + "\n---\nBody.\n")})
		}
		own = append(own, schemaCase{spec.Format.Title() + " all keys", []byte("---\n" + strings.Join(all, "\n") + "\n---\nBody.\n")})
		for _, c := range own {
			r := Parse(Source{Path: c.name, ID: "x", Layer: LayerProject, Format: spec.Format}, c.data)
			if unreadable(r.Problems) {
				continue
			}
			block, ok := frontmatterBlock(c.data)
			if !ok {
				// No frontmatter, and a format that needs none (a Cursor or Windsurf
				// file may be plain markdown): nothing for a schema to check.
				for _, p := range r.Problems {
					if schemaChecked(p) {
						t.Errorf("%s, format %s: no frontmatter, yet the validator reports %s", c.name, spec.Format, p.Code)
					}
				}
				continue
			}
			inst, ok := instance(t, block)
			if !ok {
				continue
			}
			var why []string
			for _, p := range r.Problems {
				if schemaChecked(p) {
					why = append(why, string(p.Code)+" "+p.Message)
				}
			}
			verr := sch.Validate(inst)
			switch {
			case len(why) == 0 && verr != nil:
				t.Errorf("%s, format %s: the validator accepts it, the schema does not: %v", c.name, spec.Format, verr)
			case len(why) > 0 && verr == nil:
				t.Errorf("%s, format %s: the schema accepts it, the validator reports %v", c.name, spec.Format, why)
			case verr == nil:
				accepted++
			default:
				rejected++
			}
		}
		t.Logf("%s: %d accepted, %d rejected", spec.Format, accepted, rejected)
		if accepted < len(spec.Keys) || rejected < 10 {
			t.Errorf("format %s: only %d accepted and %d rejected inputs compared", spec.Format, accepted, rejected)
		}
	}
}

// TestKeyExamples holds every key's example (shown in hover, completion and the schema)
// to the validator and the schema of its format.
func TestKeyExamples(t *testing.T) {
	for _, spec := range FormatSpecs {
		sch := compileSchema(t, spec.Format)
		for _, k := range spec.Keys {
			// Hover and completion in the server look keys up by name.
			if doc, ok := KeyDocOf(spec.Format, k.Name); !ok || doc.Doc != k.Doc {
				t.Errorf("KeyDocOf(%q) = %v, %v", k.Name, doc, ok)
			}
			if !strings.HasPrefix(k.Example, k.Name+": ") {
				t.Errorf("%s: example %q does not set the key", k.Name, k.Example)
			}
			data := []byte("---\n" + k.Example + "\n---\nBody.\n")
			if _, ok := KeyDocOf(spec.Format, "description"); ok && k.Name != "description" {
				data = []byte("---\ndescription: an example\n" + k.Example + "\n---\nBody.\n")
			}
			r := Parse(Source{Path: "x.md", ID: "x", Layer: LayerProject, Format: spec.Format}, data)
			for _, p := range r.Problems {
				// What a key says alone may leave the rule incomplete (a Copilot file
				// without applyTo, trigger: glob without globs): only what the schema
				// expresses is the example's fault.
				if schemaChecked(p) {
					t.Errorf("%s: example of %s: %s %s", spec.Format, k.Name, p.Code, p.Message)
				}
			}
			block, _ := frontmatterBlock(data)
			inst, ok := instance(t, block)
			if !ok {
				t.Fatalf("example of %s is not YAML", k.Name)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s: example of %s fails the schema: %v", spec.Format, k.Name, err)
			}
		}
	}
}

// TestSchemaGolden keeps each schema under testdata/schema, so a change of a key table
// shows in review; -update rewrites them.
func TestSchemaGolden(t *testing.T) {
	for _, spec := range FormatSpecs {
		got, err := Schema(spec.Format)
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "schema", string(spec.Format)+".schema.json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./rules -run TestSchemaGolden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("schema of %s differs from %s (run with -update if the change is meant)", spec.Format, golden)
		}
	}
	if _, err := Schema(FormatAgents); err == nil {
		t.Errorf("AGENTS.md has no frontmatter, yet it has a schema")
	}
}
