package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// FormatSpec is one format with frontmatter of its own, as `airules schema` lists it.
type FormatSpec struct {
	Format Format
	Title  string // what its files are called, for the schema's title
	Files  string // where they live
	Keys   []KeySpec
}

// FormatSpecs lists every format with frontmatter of its own; the first is the native
// one. The keys are FormatKeys', the table the validator reads.
var FormatSpecs = func() []FormatSpec {
	specs := []FormatSpec{
		{Format: FormatAirules, Title: "airules rule", Files: ".ai-rules/**/*.md"},
		{Format: FormatCursor, Title: "Cursor rule", Files: ".cursor/rules/**/*.mdc"},
		{Format: FormatCopilot, Title: "GitHub Copilot instructions", Files: ".github/instructions/**/*.instructions.md"},
		{Format: FormatClaudeRules, Title: "Claude Code rule", Files: ".claude/rules/**/*.md"},
		{Format: FormatWindsurf, Title: "Windsurf rule", Files: ".windsurf/rules/*.md"},
		{Format: FormatCline, Title: "Cline rule", Files: ".clinerules/*.md"},
		{Format: FormatContinue, Title: "Continue rule", Files: ".continue/rules/*.md"},
		{Format: FormatKiro, Title: "Kiro steering file", Files: ".kiro/steering/*.md"},
	}
	for i := range specs {
		specs[i].Keys = FormatKeys(specs[i].Format)
	}
	return specs
}()

// SpecOf returns the frontmatter of format f, or false when f has none of its own.
func SpecOf(f Format) (FormatSpec, bool) {
	for _, s := range FormatSpecs {
		if s.Format == f {
			return s, true
		}
	}
	return FormatSpec{}, false
}

// datePattern is a YYYY-MM-DD date with a real month and day; a day the month does not
// have (02-30) only "format": "date" refuses, in validators that assert formats.
const datePattern = `^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`

// SchemaDraft is the JSON Schema dialect of Schema: draft-07 is the one every
// frontmatter-validating editor (yaml-language-server among them) reads.
const SchemaDraft = "http://json-schema.org/draft-07/schema#"

// Schema returns the JSON Schema of the frontmatter of format f, built from its key
// table: the same keys, types, ranges and values `airules lint` checks (unknown keys,
// wrong types, priority range, unknown scope, language and status values, dates). An
// empty value is allowed everywhere: the validator reads it as an absent key.
func Schema(f Format) ([]byte, error) {
	spec, ok := SpecOf(f)
	if !ok {
		return nil, fmt.Errorf("schema: format %q has no frontmatter of its own", f)
	}
	props := map[string]any{}
	for _, k := range spec.Keys {
		p := valueSchema(k)
		p["description"] = k.Doc
		p["markdownDescription"] = fmt.Sprintf("*%s*\n\n%s\n\n```yaml\n%s\n```", k.Type, k.Doc, k.Example)
		if ex, err := exampleValue(k); err != nil {
			return nil, fmt.Errorf("schema: key %s: %w", k.Name, err)
		} else if ex != nil {
			p["examples"] = []any{ex}
		}
		props[k.Name] = p
	}
	doc := map[string]any{
		"$schema":              SchemaDraft,
		"title":                spec.Title + " frontmatter",
		"description":          fmt.Sprintf("The YAML frontmatter of %s files (%s), as airules checks it.", spec.Title, spec.Files),
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("schema %s: %w", f, err)
	}
	return b.Bytes(), nil
}

// valueSchema is the JSON Schema of one key's value, null included.
func valueSchema(k KeySpec) map[string]any {
	str := func(enum []string) map[string]any {
		s := map[string]any{"type": "string"}
		if enum != nil {
			s["enum"] = enum
		}
		return s
	}
	null := map[string]any{"type": "null"}
	oneOrList := func(enum []string) map[string]any {
		return map[string]any{"anyOf": []any{str(enum), map[string]any{"type": "array", "items": str(enum)}, null}}
	}
	switch k.Kind {
	case KindScalar:
		return map[string]any{"type": []string{"string", "number", "null"}}
	case KindInt:
		s := map[string]any{"type": []string{"integer", "null"}}
		if k.Max > k.Min {
			s["minimum"], s["maximum"] = k.Min, k.Max
		}
		return s
	case KindBool:
		return map[string]any{"type": []string{"boolean", "null"}}
	case KindDate:
		return map[string]any{"anyOf": []any{map[string]any{"type": "string", "format": "date", "pattern": datePattern}, null}}
	case KindStrings, KindEnums:
		return oneOrList(k.Values)
	case KindGlobs:
		return oneOrList(nil)
	case KindEnum:
		return map[string]any{"anyOf": []any{str(k.Values), null}}
	}
	return map[string]any{"anyOf": []any{str(nil), null}}
}

// exampleValue is the value of a key's YAML example, as JSON.
func exampleValue(k KeySpec) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(k.Example), &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode || len(doc.Content[0].Content) != 2 {
		return nil, nil
	}
	return jsonValue(doc.Content[0].Content[1], 0)
}

// jsonValue converts a YAML node to the JSON value an editor's YAML reader sees, by the
// node's resolved tag, as the validator reads it: a timestamp stays the string it was
// written as.
func jsonValue(n *yaml.Node, depth int) (any, error) {
	if depth > 64 {
		return nil, fmt.Errorf("line %d: nested too deep", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return jsonValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return jsonValue(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := jsonValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if _, dup := out[key]; dup {
				continue // the validator reads the first one and reports the rest
			}
			v, err := jsonValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = v
		}
		return out, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		err := n.Decode(&b)
		return b, err
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
		if b, ok := new(big.Int).SetString(n.Value, 0); ok {
			return json.Number(b.String()), nil // too large for int64: still an integer
		}
		return n.Value, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value, nil // .inf and .nan have no JSON number
		}
		return f, nil
	}
	return n.Value, nil
}
