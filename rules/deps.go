package rules

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Ecosystem names the package manager a dependency rule comes from.
type Ecosystem string

// The ecosystems.
const (
	EcoHex Ecosystem = "hex" // mix.exs, deps/<pkg>/usage-rules.md
	EcoNPM Ecosystem = "npm" // package.json, node_modules/<pkg>/usage-rules.md
	EcoGo  Ecosystem = "go"  // go.mod, the module cache
)

// maxManifest bounds what a manifest reader looks at.
const maxManifest = 1 << 20

// MixProject is what airules reads from mix.exs: the declared dependencies and the
// usage_rules configuration.
type MixProject struct {
	Deps []string
	// UsageRules is the usage_rules list (`:ash`, `"phoenix:ecto"`, `"ash:all"`, `:all`)
	// as strings without the colon of atoms; HasUsageRules says the list was there.
	UsageRules    []string
	HasUsageRules bool
	// AppsPath is an umbrella project's apps folder (`apps_path: "apps"`), whose
	// apps declare the dependencies.
	AppsPath string
}

var appsPathRe = regexp.MustCompile(`(?:^|[\s\[,])apps_path:\s*"([^"\n]{1,200})"`)

// ParseMix reads mix.exs tolerantly, without evaluating Elixir: dependencies are the
// `{:name, ...}` tuples of the deps function, usage_rules the atoms and strings of the
// innermost `usage_rules:` list (keyword pairs such as `file: "AGENTS.md"` skipped). The
// cost is linear in the input, which is cut at 1 MiB.
func ParseMix(data []byte) MixProject {
	if len(data) > maxManifest {
		data = data[:maxManifest]
	}
	src := stripElixirComments(string(data))
	var mp MixProject
	seen := map[string]bool{}
	if body, ok := elixirFunctionBody(src, "deps"); ok {
		for i := 0; i+2 < len(body); i++ {
			if body[i] != '{' {
				continue
			}
			j := i + 1
			for j < len(body) && (body[j] == ' ' || body[j] == '\n' || body[j] == '\t' || body[j] == '\r') {
				j++
			}
			if j < len(body) && body[j] == ':' {
				name := elixirIdent(body[j+1:])
				if name != "" && !seen[name] {
					seen[name] = true
					mp.Deps = append(mp.Deps, name)
				}
			}
		}
	}
	if m := appsPathRe.FindStringSubmatch(src); m != nil {
		mp.AppsPath = m[1]
	}
	list, ok := usageRulesList(src, 0)
	if ok {
		mp.HasUsageRules = true
		mp.UsageRules = list
	}
	return mp
}

// stripElixirComments blanks # comments outside strings, keeping offsets.
func stripElixirComments(s string) string {
	b := []byte(s)
	inStr := false
	for i := 0; i < len(b); i++ {
		switch {
		case inStr && b[i] == '\\':
			i++
		case b[i] == '"':
			inStr = !inStr
		case !inStr && b[i] == '#':
			for i < len(b) && b[i] != '\n' {
				b[i] = ' '
				i++
			}
		}
	}
	return string(b)
}

// elixirFunctionBody finds `def(p) name do ... end` and returns the text up to the
// matching end (counted by do/end and fn/end keywords; bounded by the input).
func elixirFunctionBody(src, name string) (string, bool) {
	for _, kw := range []string{"defp " + name, "def " + name} {
		i := strings.Index(src, kw)
		for i >= 0 {
			rest := src[i+len(kw):]
			trimmed := strings.TrimLeft(rest, " \t")
			if strings.HasPrefix(trimmed, "()") {
				trimmed = strings.TrimLeft(trimmed[2:], " \t")
			}
			if strings.HasPrefix(trimmed, "do") {
				start := len(src) - len(trimmed) + 2
				return src[start:blockEnd(src, start)], true
			}
			if strings.HasPrefix(trimmed, ", do:") {
				start := len(src) - len(trimmed) + 5
				return src[start:blockEnd(src, start)], true
			}
			j := strings.Index(rest, kw)
			if j < 0 {
				break
			}
			i += len(kw) + j
		}
	}
	return "", false
}

// blockEnd finds where a do-block starting at start ends: the `end` that closes it.
func blockEnd(src string, start int) int {
	depth := 1
	for i := start; i < len(src); i++ {
		if !isWordStart(src, i) {
			continue
		}
		w := elixirIdent(src[i:])
		switch w {
		case "do", "fn":
			depth++
		case "end":
			depth--
			if depth == 0 {
				return i
			}
		}
		if w != "" {
			i += len(w) - 1
		}
	}
	return len(src)
}

func isWordStart(s string, i int) bool {
	return i == 0 || !(isIdentByte(s[i-1]) || s[i-1] == ':')
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '?' || c == '!' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func elixirIdent(s string) string {
	n := 0
	for n < len(s) && isIdentByte(s[n]) {
		n++
	}
	return s[:n]
}

// usageRulesList finds the list of usage_rules specs: the value of a `usage_rules:`
// key, following `usage_rules: usage_rules()` to its function, and into a nested
// `usage_rules: [file: ..., usage_rules: [...]]`.
func usageRulesList(src string, depth int) ([]string, bool) {
	if depth > 2 {
		return nil, false // bounded: a function's list may nest one usage_rules: key, no more
	}
	var found []string
	ok := false
	from := 0
	for hops := 0; hops < 8; hops++ {
		i := strings.Index(src[from:], "usage_rules:")
		if i < 0 {
			break
		}
		i += from
		from = i + len("usage_rules:")
		if i > 0 && (isIdentByte(src[i-1]) || src[i-1] == ':') {
			continue // :usage_rules atom or another_usage_rules:
		}
		v := strings.TrimLeft(src[from:], " \t\r\n")
		switch {
		case strings.HasPrefix(v, "["):
			items, nested := listItems(v)
			if !nested {
				return items, true
			}
			found, ok = items, true
		default:
			fn := elixirIdent(v)
			if fn == "" {
				continue
			}
			if body, has := elixirFunctionBody(src, fn); has {
				b := strings.TrimLeft(body, " \t\r\n")
				if strings.HasPrefix(b, "[") {
					items, nested := listItems(b)
					if !nested {
						return items, true
					}
					found, ok = items, true
					// look for the nested key inside the function body
					if inner, has := usageRulesList(b[1:], depth+1); has {
						return inner, true
					}
				}
			}
		}
	}
	return found, ok
}

// listItems reads the atoms and strings at the top level of the Elixir list at the
// start of s, skipping keyword pairs. nested reports a `usage_rules:` key inside it.
func listItems(s string) (items []string, nested bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '[' || c == '{' || c == '(':
			depth++
		case c == ']' || c == '}' || c == ')':
			depth--
			if depth == 0 {
				return items, nested
			}
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if depth == 1 && !afterKeyword(s, i) {
				items = append(items, s[i+1:min(j, len(s))])
			}
			i = j
		case c == '~' && depth == 1 && i+2 < len(s) && s[i+1] == 'r':
			// A regex sigil, ~r/^ash_/: kept as written, matched against package names.
			if end := sigilEnd(s, i+2); end > i+3 {
				items = append(items, s[i:end])
				i = end - 1
			}
		case c == ':' && depth == 1 && i+1 < len(s) && isIdentByte(s[i+1]) && (i == 0 || !isIdentByte(s[i-1])):
			w := elixirIdent(s[i+1:])
			if !afterKeyword(s, i) {
				items = append(items, w)
			}
			i += len(w)
		case depth == 1 && isWordStart(s, i) && isIdentByte(c):
			w := elixirIdent(s[i:])
			if i+len(w) < len(s) && s[i+len(w)] == ':' {
				if w == "usage_rules" {
					nested = true
				}
			}
			i += len(w) - 1
		}
	}
	return items, nested
}

// sigilEnd returns the offset after the sigil whose delimiter is at open, or -1.
func sigilEnd(s string, open int) int {
	closers := map[byte]byte{'/': '/', '"': '"', '|': '|', '(': ')', '{': '}', '[': ']', '<': '>', '\'': '\''}
	cl, ok := closers[s[open]]
	if !ok {
		return -1
	}
	for j := open + 1; j < len(s) && j < open+512; j++ {
		switch s[j] {
		case '\\':
			j++
		case cl:
			j++
			for j < len(s) && isIdentByte(s[j]) { // modifiers, ~r/x/i
				j++
			}
			return j
		}
	}
	return -1
}

// sigilRegexp compiles a usage_rules regex spec (~r/^ash_/), or returns nil.
func sigilRegexp(spec string) *regexp.Regexp {
	if len(spec) < 4 || !strings.HasPrefix(spec, "~r") {
		return nil
	}
	body := spec[2:]
	end := len(body) - 1
	for end > 0 && isIdentByte(body[end]) {
		end--
	}
	if end < 1 {
		return nil
	}
	re, err := regexp.Compile(body[1:end])
	if err != nil {
		return nil
	}
	return re
}

// afterKeyword reports whether the value at i follows a `key:` (a keyword pair's value).
func afterKeyword(s string, i int) bool {
	j := i - 1
	for j >= 0 && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
		j--
	}
	return j > 0 && s[j] == ':' && isIdentByte(s[j-1])
}

// ParsePackageJSON returns the package names of package.json's dependencies,
// devDependencies, peerDependencies and optionalDependencies, sorted.
func ParsePackageJSON(data []byte) []string {
	deps, _ := ParsePackageJSONWorkspaces(data)
	return deps
}

// ParsePackageJSONWorkspaces is ParsePackageJSON and the `workspaces` patterns of a
// monorepo's root package.json (a list, or `{"packages": [...]}`).
func ParsePackageJSONWorkspaces(data []byte) (deps, workspaces []string) {
	if len(data) > maxManifest {
		return nil, nil
	}
	var pj map[string]json.RawMessage
	if json.Unmarshal(data, &pj) != nil {
		return nil, nil
	}
	if raw, ok := pj["workspaces"]; ok {
		if json.Unmarshal(raw, &workspaces) != nil {
			var obj struct {
				Packages []string `json:"packages"`
			}
			if json.Unmarshal(raw, &obj) == nil {
				workspaces = obj.Packages
			}
		}
	}
	seen := map[string]bool{}
	for _, k := range []string{"dependencies", "devDependencies", "peerDependencies", "optionalDependencies"} {
		var deps map[string]any
		if raw, ok := pj[k]; !ok || json.Unmarshal(raw, &deps) != nil {
			continue
		}
		for name := range deps {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, workspaces
}

// GoRequire is one module go.mod requires.
type GoRequire struct{ Path, Version string }

// ParseGoMod returns the modules go.mod requires (direct and indirect), or nil when it
// does not parse.
func ParseGoMod(data []byte) []GoRequire {
	if len(data) > maxManifest {
		return nil
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return nil
	}
	out := make([]GoRequire, 0, len(f.Require))
	for _, r := range f.Require {
		out = append(out, GoRequire{Path: r.Mod.Path, Version: r.Mod.Version})
	}
	return out
}

// DependencyPolicy decides which dependency rules the project opted into.
type DependencyPolicy struct {
	// Declared are the packages of each ecosystem the manifest declares.
	Declared map[Ecosystem]map[string]bool
	// Hex usage_rules configuration, when mix.exs has one.
	HexSpecs    []string
	HasHexSpecs bool
}

// NewDependencyPolicy builds the policy from the parsed manifests (any may be empty).
func NewDependencyPolicy(mix MixProject, npm []string, gomod []GoRequire) *DependencyPolicy {
	p := &DependencyPolicy{Declared: map[Ecosystem]map[string]bool{EcoHex: {}, EcoNPM: {}, EcoGo: {}},
		HexSpecs: mix.UsageRules, HasHexSpecs: mix.HasUsageRules}
	for _, d := range mix.Deps {
		p.Declared[EcoHex][d] = true
	}
	for _, d := range npm {
		p.Declared[EcoNPM][d] = true
	}
	for _, r := range gomod {
		p.Declared[EcoGo][r.Path] = true
	}
	return p
}

// Declares reports whether the manifest of eco declares pkg.
func (p *DependencyPolicy) Declares(eco Ecosystem, pkg string) bool {
	return p != nil && p.Declared[eco][pkg]
}

// OptedIn reports whether a dependency rule applies by itself: a main usage-rules.md
// does unless mix.exs's usage_rules list leaves it out; a sub-rule only when the list
// names it (`"pkg:sub"`, `"pkg:all"`).
func (p *DependencyPolicy) OptedIn(eco Ecosystem, pkg, sub string) bool {
	if eco != EcoHex || p == nil || !p.HasHexSpecs {
		return sub == ""
	}
	for _, s := range p.HexSpecs {
		if re := sigilRegexp(s); re != nil {
			if sub == "" && re.MatchString(pkg) {
				return true
			}
			continue
		}
		name, part, hasPart := strings.Cut(s, ":")
		switch {
		case s == "all":
			if sub == "" {
				return true
			}
		case name == pkg && !hasPart:
			if sub == "" {
				return true
			}
		case name == pkg && part == "all":
			return true
		case name == pkg && part == sub:
			return true
		}
	}
	return false
}

// Languages each ecosystem's rules apply to.
var ecoLanguages = map[Ecosystem][]string{
	EcoHex: {"elixir", "eex", "heex", "phoenix-heex"},
	EcoNPM: {"javascript", "javascriptreact", "typescript", "typescriptreact"},
	EcoGo:  {"go"},
}

// applyDependency makes a parsed usage-rules file apply as its ecosystem defines, from
// what its Source says: opted in, to the project's files of the ecosystem's
// languages; otherwise offered as agent-requested by its description.
func applyDependency(r *Rule) {
	eco, pkg, sub := r.Ecosystem, r.Package, r.Sub
	if pkg == "" {
		pkg = strings.TrimPrefix(r.ID, "deps/")
	}
	if r.Description == "" && eco == "" {
		r.Description = "Usage rules of " + pkg
	} else if r.Description == "" {
		r.Description = "Usage rules of the " + string(eco) + " package " + pkg
		if sub != "" {
			r.Description += " (" + sub + ")"
		}
	}
	r.AlwaysApply, r.Globs, r.globRanges = false, nil, nil
	r.Language = nil
	if r.OptedIn {
		r.Language = append([]string(nil), ecoLanguages[eco]...)
	}
}
