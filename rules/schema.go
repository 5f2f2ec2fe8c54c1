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

// ValueKind is the shape of value the validator accepts for a key.
type ValueKind int

const (
	ValueString  ValueKind = iota // a string
	ValueScalar                   // a string or a number (`version: 1.0`)
	ValueInteger                  // an integer from Min to Max
	ValueBoolean                  // true or false, unquoted
	ValueDate                     // a date YYYY-MM-DD
	ValueList                     // a string, or a list of strings
	ValueGlobs                    // glob patterns: one string, comma-separated, or a list
)

// Value is what the validator accepts for a key, as the JSON Schema says it.
type Value struct {
	Kind     ValueKind
	Enum     []string // the allowed strings (of the value, or of each entry); nil: any
	Min, Max int      // bounds of a ValueInteger
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
		p := valueSchema(k.Value)
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

// valueSchema is the JSON Schema of one kind of value, null included.
func valueSchema(v Value) map[string]any {
	str := func() map[string]any {
		s := map[string]any{"type": "string"}
		if v.Enum != nil {
			s["enum"] = v.Enum
		}
		return s
	}
	null := map[string]any{"type": "null"}
	switch v.Kind {
	case ValueScalar:
		return map[string]any{"type": []string{"string", "number", "null"}}
	case ValueInteger:
		return map[string]any{"type": []string{"integer", "null"}, "minimum": v.Min, "maximum": v.Max}
	case ValueBoolean:
		return map[string]any{"type": []string{"boolean", "null"}}
	case ValueDate:
		return map[string]any{"anyOf": []any{map[string]any{"type": "string", "format": "date", "pattern": datePattern}, null}}
	case ValueList, ValueGlobs:
		return map[string]any{"anyOf": []any{str(), map[string]any{"type": "array", "items": str()}, null}}
	}
	return map[string]any{"anyOf": []any{str(), null}}
}

// exampleValue is the value of a key's YAML example, as JSON.
func exampleValue(k KeyDoc) (any, error) {
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
