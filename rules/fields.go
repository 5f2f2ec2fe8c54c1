package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	yaml "go.yaml.in/yaml/v3"
)

// fields validates every key of the frontmatter mapping and fills the rule.
func (p *parser) fields(root *yaml.Node) {
	r := p.r
	var descNode, createdNode, updatedNode, alwaysNode *yaml.Node
	var created, updated time.Time
	p.knownKeys(root, func(k, v *yaml.Node, _ KeySpec) {
		key := k.Value
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			if key == "description" {
				descNode = k
			}
			return // an empty value says nothing; treat it as absent
		}
		switch key {
		case "description":
			descNode = k
			if s, ok := p.str(key, v); ok {
				r.Description = strings.TrimSpace(s)
			}
		case "version":
			if v.Kind == yaml.ScalarNode && (v.ShortTag() == "!!str" || v.ShortTag() == "!!int" || v.ShortTag() == "!!float") {
				r.Version = v.Value
			} else {
				p.wrongType(key, "a string like \"1.0\"", v)
			}
		case "priority":
			p.priority(v)
		case "scope":
			for _, s := range p.list(key, v, false) {
				if scopeIndex(s.value) < 0 {
					pb := p.problem(CodeUnknownValue, s.rg, "unknown scope %q: use one of %s", s.value, strings.Join(scopeOrder[:], ", "))
					p.replaceFix(pb, s.rg, suggest(s.value, scopeOrder[:]))
					continue
				}
				r.Scope = append(r.Scope, s.value)
			}
		case "language":
			for _, s := range p.list(key, v, false) {
				id := s.value
				if !isKnownLanguage(id) {
					sug := suggest(id, knownLanguages)
					msg := fmt.Sprintf("unknown language id %q", id)
					if sug != "" {
						msg += fmt.Sprintf(": did you mean %q?", sug)
					} else {
						msg += ": use an LSP language id such as elixir, go or typescript"
					}
					pb := p.problem(CodeUnknownLanguage, s.rg, "%s", msg)
					p.replaceFix(pb, s.rg, sug)
				}
				r.Language = append(r.Language, id)
			}
		case "tags":
			for _, s := range p.list(key, v, false) {
				r.Tags = append(r.Tags, s.value)
			}
		case "globs":
			p.globs(v)
		case "alwaysApply":
			alwaysNode = k
			p.boolean(v)
		case "enforced": // enforced.go
			p.r.Enforced = p.flag(key, v)
		case "created", "updated":
			t, ok := p.date(key, v)
			if key == "created" {
				createdNode, created, r.Created = v, t, dateString(ok, t)
			} else {
				updatedNode, updated, r.Updated = v, t, dateString(ok, t)
			}
		case "status":
			if s, ok := p.str(key, v); ok {
				switch Status(s) {
				case StatusActive, StatusDisabled:
					r.Status = Status(s)
				default:
					pb := p.problem(CodeUnknownValue, p.nodeRange(v), "unknown status %q: use active or disabled", s)
					p.replaceFix(pb, p.nodeRange(v), suggest(s, []string{"active", "disabled"}))
				}
			}
		default:
			p.unknownKey(k)
		}
	})
	if r.Description == "" {
		if descNode != nil {
			p.problem(CodeNoDescription, p.nodeRange(descNode), "description is empty: say in one line when this rule applies")
		} else {
			pb := p.problem(CodeNoDescription, p.lineRange(p.start), "missing description: add `description:` with one line saying what the rule is for")
			at := Position{p.start + 1, 0}
			pb.Fix = &Fix{Title: "Add a description", Edits: []Edit{{Range: Range{at, at}, NewText: "description: \n"}}}
		}
	}
	if createdNode != nil && updatedNode != nil && !created.IsZero() && !updated.IsZero() && updated.Before(created) {
		p.problem(CodeBadDate, p.nodeRange(updatedNode), "updated (%s) is before created (%s)", r.Updated, r.Created)
	}
	if r.AlwaysApply && alwaysNode != nil && (len(r.Globs) > 0 || len(r.Language) > 0) {
		p.problem(CodeAlwaysIgnores, p.nodeRange(alwaysNode), "alwaysApply is true, so globs and language are ignored: remove them or set alwaysApply to false")
	}
}

// knownKeys calls fn for every key of the frontmatter mapping that format's key table
// knows, with its spec: a repeated key is AIR015 and a key the format does not know
// AIR003, also when it is left empty (a typo like `alwaysAply:` says nothing, but is
// still a typo).
func (p *parser) knownKeys(root *yaml.Node, fn func(k, v *yaml.Node, spec KeySpec)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			p.problem(CodeDuplicateKey, p.nodeRange(k), "duplicate key %q: only one may stay, remove the other", k.Value)
			continue
		}
		seen[k.Value] = true
		spec, ok := keySpec(p.r.Format, k.Value)
		if !ok {
			p.unknownKey(k)
			continue
		}
		fn(k, v, spec)
	}
}

func dateString(ok bool, t time.Time) string {
	if !ok {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (p *parser) unknownKey(k *yaml.Node) {
	rg := p.nodeRange(k)
	if right := KeyHint(p.r.Format, k.Value); right != "" {
		pb := p.problem(CodeUnknownKey, rg, "%q is not a %s key, so it does nothing here: %s reads %q", k.Value, p.r.Format.Title(), p.r.Format.Title(), right)
		p.replaceFix(pb, rg, right)
		return
	}
	sug := suggest(k.Value, keyNames(p.r.Format))
	if sug != "" {
		pb := p.problem(CodeUnknownKey, rg, "unknown key %q: did you mean %q?", k.Value, sug)
		p.replaceFix(pb, rg, sug)
		return
	}
	p.problem(CodeUnknownKey, rg, "unknown key %q: known keys are %s", k.Value, strings.Join(keyNames(p.r.Format), ", "))
}

// replaceFix attaches "replace with sug" to a problem when there is a suggestion.
func (p *parser) replaceFix(pb *Problem, rg Range, sug string) {
	if sug == "" {
		return
	}
	pb.Fix = &Fix{Title: fmt.Sprintf("Change to %q", sug), Edits: []Edit{{Range: rg, NewText: sug}}}
}

func (p *parser) wrongType(key, want string, v *yaml.Node) *Problem {
	got := v.Value
	switch v.Kind {
	case yaml.SequenceNode:
		got = "a list"
	case yaml.MappingNode:
		got = "a mapping"
	case yaml.AliasNode:
		got = "an alias"
	}
	return p.problem(CodeWrongType, p.nodeRange(v), "%s must be %s, got %s", key, want, quoteIfScalar(v, got))
}

func quoteIfScalar(v *yaml.Node, s string) string {
	if v.Kind == yaml.ScalarNode {
		return strconv.Quote(s)
	}
	return s
}

func (p *parser) str(key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		p.wrongType(key, "a string", v)
		return "", false
	}
	return v.Value, true
}

// The range of priority; the schema takes it from the key table.
const (
	MinPriority = 0
	MaxPriority = 100
)

func (p *parser) priority(v *yaml.Node) {
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" {
		n, err := strconv.ParseInt(strings.ReplaceAll(v.Value, "_", ""), 0, 64)
		if err != nil {
			p.wrongType("priority", "an integer from 0 to 100", v)
			return
		}
		if n < MinPriority || n > MaxPriority {
			p.problem(CodePriorityRange, p.nodeRange(v), "priority %d is outside %d–%d", n, MinPriority, MaxPriority)
			n = max(MinPriority, min(n, MaxPriority))
		}
		p.r.Priority = int(n)
		return
	}
	pb := p.wrongType("priority", "an integer from 0 to 100", v)
	if v.Kind == yaml.ScalarNode {
		if n, err := strconv.Atoi(strings.TrimSpace(v.Value)); err == nil {
			pb.Fix = &Fix{Title: "Make it a number", Edits: []Edit{{Range: p.nodeRange(v), NewText: strconv.Itoa(n)}}}
		}
	}
}

func (p *parser) boolean(v *yaml.Node) {
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		p.r.AlwaysApply = strings.EqualFold(v.Value, "true")
		return
	}
	pb := p.wrongType("alwaysApply", "true or false (unquoted)", v)
	if v.Kind == yaml.ScalarNode {
		switch strings.ToLower(strings.TrimSpace(v.Value)) {
		case "true", "yes", "on", "1":
			pb.Fix = &Fix{Title: "Change to true", Edits: []Edit{{Range: p.nodeRange(v), NewText: "true"}}}
		case "false", "no", "off", "0":
			pb.Fix = &Fix{Title: "Change to false", Edits: []Edit{{Range: p.nodeRange(v), NewText: "false"}}}
		}
	}
}

func (p *parser) date(key string, v *yaml.Node) (time.Time, bool) {
	if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!str" && v.ShortTag() != "!!timestamp") {
		p.wrongType(key, "a date YYYY-MM-DD", v)
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(v.Value))
	if err != nil {
		p.problem(CodeBadDate, p.nodeRange(v), "%s %q is not a date: write YYYY-MM-DD", key, v.Value)
		return time.Time{}, false
	}
	return t, true
}

// item is one string of a list-valued key with its range.
type item struct {
	value string
	rg    Range
}

// list reads a list of strings; a single string is a list of one, or, when split is
// set, a comma-separated list (Cursor writes `globs: *.ts, *.tsx`).
func (p *parser) list(key string, v *yaml.Node, split bool) []item {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.ShortTag() != "!!str" {
			p.wrongType(key, "a list of strings", v)
			return nil
		}
		rg := p.nodeRange(v)
		if !split {
			return []item{{v.Value, rg}}
		}
		return p.splitScalar(v, rg)
	case yaml.SequenceNode:
		out := make([]item, 0, len(v.Content))
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode || e.ShortTag() != "!!str" {
				p.wrongType(key+" entries", "strings", e)
				continue
			}
			out = append(out, item{e.Value, p.nodeRange(e)})
		}
		return out
	}
	p.wrongType(key, "a list of strings", v)
	return nil
}

// splitScalar splits a comma-separated glob string outside braces, keeping each part's
// range when the scalar sits on one line as written.
func (p *parser) splitScalar(v *yaml.Node, rg Range) []item {
	parts := splitTopLevel(v.Value)
	if len(parts) == 1 {
		return []item{{strings.TrimSpace(parts[0].s), rg}}
	}
	var lineText string
	if rg.Start.Line < len(p.lines) {
		lineText = p.lines[rg.Start.Line]
	}
	raw := v.Value
	if ll, ok := p.lenient[v.Line]; ok {
		raw = ll.raw
	}
	base := utf16ToByte(lineText, rg.Start.Column)
	if v.Style == yaml.DoubleQuotedStyle || v.Style == yaml.SingleQuotedStyle {
		if _, ok := p.lenient[v.Line]; !ok {
			base++
		}
	}
	exact := base+len(raw) <= len(lineText) && lineText[base:base+len(raw)] == raw && raw == v.Value
	out := make([]item, 0, len(parts))
	for _, part := range parts {
		s := strings.TrimSpace(part.s)
		if s == "" {
			continue
		}
		it := item{value: s, rg: rg}
		if exact {
			lead := strings.Index(part.s, s)
			b := base + part.off + lead
			it.rg = Range{Position{rg.Start.Line, utf16Len(lineText[:b])}, Position{rg.Start.Line, utf16Len(lineText[:b+len(s)])}}
		}
		out = append(out, it)
	}
	return out
}

type part struct {
	s   string
	off int
}

func splitTopLevel(s string) []part {
	var out []part
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, part{s[start:i], start})
				start = i + 1
			}
		}
	}
	return append(out, part{s[start:], start})
}

func (p *parser) globs(v *yaml.Node) { p.globsOf("globs", v) }

// globsOf reads the glob list of a key (globs, applyTo, paths, fileMatchPattern).
func (p *parser) globsOf(key string, v *yaml.Node) {
	items := p.list(key, v, true)
	if ll, ok := p.lenient[v.Line]; ok && v.Kind == yaml.ScalarNode {
		quoted := make([]string, len(items))
		for i, it := range items {
			quoted[i] = strconv.Quote(it.value)
		}
		rg := p.nodeRange(v)
		pb := p.problem(CodeUnquotedGlobs, rg, "unquoted %s value %q: accepted here, but invalid YAML for other tools; quote it", key, ll.raw)
		pb.Fix = &Fix{Title: "Quote the globs", Edits: []Edit{{Range: rg, NewText: "[" + strings.Join(quoted, ", ") + "]"}}}
	}
	for _, it := range items {
		pat := strings.TrimPrefix(it.value, "!")
		if pat == "" {
			p.problem(CodeInvalidGlob, it.rg, "empty glob pattern")
			continue
		}
		if !doublestar.ValidatePattern(pat) {
			p.problem(CodeInvalidGlob, it.rg, "invalid glob %q: check brackets and braces are closed", it.value)
			continue
		}
		if err := GlobCost(pat); err != nil {
			p.problem(CodeInvalidGlob, it.rg, "glob %q is too complex to match: %v; split it into simpler globs", it.value, err)
			continue
		}
		p.r.Globs = append(p.r.Globs, it.value)
		p.r.globRanges = append(p.r.globRanges, it.rg)
	}
}
