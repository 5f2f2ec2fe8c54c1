package rules

import (
	"path"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// foreign is what a non-native format's frontmatter said, before the format decides
// what it means.
type foreign struct {
	has     map[string]*yaml.Node // key → its key node, for keys with a value
	desc    string
	descKey *yaml.Node
	mode    string // Windsurf trigger, Kiro inclusion
	always  *bool  // tri-state alwaysApply (Cursor, Continue)
	globs   bool   // the format's globs key was given (and parsed into r.Globs)
	regex   []item
}

// plainFormat reports whether a format's files are plain markdown whose frontmatter,
// if any, no tool reads.
func plainFormat(f Format) bool {
	switch f {
	case FormatAgents, FormatClaude, FormatGemini, FormatCopilotRepo, FormatCursorLegacy, FormatDependency:
		return true
	}
	return false
}

// legacySingleFile reports whether the rule is one of the single-file legacy formats
// that always apply (.windsurfrules, .clinerules as a file, .continuerules).
func (r *Rule) legacySingleFile() bool {
	switch path.Base(strings.ReplaceAll(r.Path, "\\", "/")) {
	case windsurfLegacy, clineName, continueLegacy:
		return r.Format == FormatWindsurf || r.Format == FormatCline || r.Format == FormatContinue
	}
	return false
}

// foreignFields validates the frontmatter of a non-native format against its own key
// table.
func (p *parser) foreignFields(root *yaml.Node) *foreign {
	r := p.r
	fm := &foreign{has: map[string]*yaml.Node{}}
	if root == nil {
		return fm
	}
	if plainFormat(r.Format) || r.legacySingleFile() {
		// No tool reads frontmatter here; say so once, and keep only a description
		// for display. It never changes where the file applies.
		if len(root.Content) > 0 {
			p.problem(CodeIgnoredFrontmatter, p.lineRange(p.start),
				"%s has no frontmatter: no tool reads these keys, and the file %s", r.Format.Title(), plainScope(r))
		}
		for i := 0; i+1 < len(root.Content); i += 2 {
			if k, v := root.Content[i], root.Content[i+1]; k.Value == "description" && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
				r.Description = strings.TrimSpace(v.Value)
			}
		}
		return fm
	}
	p.knownKeys(root, func(k, v *yaml.Node, spec KeySpec) {
		key := k.Value
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			if key == "description" {
				fm.descKey = k
			}
			return
		}
		fm.has[key] = k
		switch spec.Kind {
		case KindString:
			s, ok := p.str(key, v)
			if !ok {
				return
			}
			switch key {
			case "description":
				fm.desc, fm.descKey = strings.TrimSpace(s), k
				r.Description = fm.desc
			case "name":
				r.Name = strings.TrimSpace(s)
			}
		case KindBool:
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
				b := strings.EqualFold(v.Value, "true")
				fm.always = &b
			} else {
				p.boolean(v) // reports the wrong type with its fix
				r.AlwaysApply = false
			}
		case KindGlobs:
			fm.globs = true
			p.globsOf(key, v)
		case KindStrings:
			items := p.list(key, v, false)
			if key == "regex" {
				for _, it := range items {
					if _, err := regexp.Compile(it.value); err != nil {
						p.problem(CodeInvalidRegex, it.rg, "invalid regex %q: %v", it.value, regexErr(err))
						continue
					}
					fm.regex = append(fm.regex, it)
				}
			}
		case KindEnum:
			s, ok := p.str(key, v)
			if !ok {
				return
			}
			if !contains(spec.Values, s) {
				pb := p.problem(CodeUnknownValue, p.nodeRange(v), "unknown %s %q: use one of %s", key, s, strings.Join(spec.Values, ", "))
				p.replaceFix(pb, p.nodeRange(v), suggest(s, spec.Values))
				return
			}
			fm.mode = s
		case KindEnums:
			for _, it := range p.list(key, v, true) {
				if !contains(spec.Values, it.value) {
					pb := p.problem(CodeUnknownValue, it.rg, "unknown %s %q: use one of %s", key, it.value, strings.Join(spec.Values, ", "))
					p.replaceFix(pb, it.rg, suggest(it.value, spec.Values))
					continue
				}
				if key == "excludeAgent" {
					r.ExcludeAgent = append(r.ExcludeAgent, it.value)
				}
			}
		}
	})
	return fm
}

func regexErr(err error) string {
	msg := err.Error()
	return strings.TrimPrefix(msg, "error parsing regexp: ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func plainScope(r *Rule) string {
	switch {
	case r.FolderScoped() && r.Dir != "":
		return "applies to everything under " + r.Dir + "/"
	case r.FolderScoped():
		return "applies to the whole workspace"
	case r.Format == FormatDependency:
		return "applies by the project's manifest"
	}
	return "always applies"
}

// applyFormat decides, after the keys are read, when a non-native rule applies, by its
// tool's documented semantics. fm is nil when the file has no frontmatter.
func (p *parser) applyFormat(fm *foreign) {
	r := p.r
	if fm == nil {
		fm = &foreign{has: map[string]*yaml.Node{}}
	}
	if r.legacySingleFile() {
		r.AlwaysApply = true
		r.Globs, r.globRanges = nil, nil
		p.defaultDescription()
		return
	}
	switch r.Format {
	case FormatAgents, FormatClaude, FormatGemini:
		// Folder-scoped: applies to its folder and below, whatever the file says.
		r.Globs, r.globRanges, r.AlwaysApply = nil, nil, false
	case FormatCopilotRepo, FormatCursorLegacy:
		r.AlwaysApply = true
	case FormatDependency:
		// Decided by its Source (the manifest said, see applyDependency).
	case FormatCursor:
		switch {
		case fm.always != nil && *fm.always:
			if fm.globs && fm.has["alwaysApply"] != nil {
				p.problem(CodeAlwaysIgnores, p.nodeRange(fm.has["alwaysApply"]), "alwaysApply is true, so globs are ignored: remove them or set alwaysApply to false")
			}
			r.Globs, r.globRanges = nil, nil
			r.AlwaysApply = true
		case len(r.Globs) > 0:
		case fm.desc != "":
		default:
			r.Manual = true
			rg := p.lineRange(p.start)
			if fm.descKey != nil {
				rg = p.nodeRange(fm.descKey)
			}
			p.problem(CodeCursorManual, rg,
				"manual rule: with no alwaysApply, globs or description Cursor applies it only when @-mentioned, never automatically")
		}
	case FormatCopilot:
		if !fm.globs {
			if len(r.Globs) == 0 && fm.desc == "" {
				r.Manual = true
			}
			msg := "no applyTo: Copilot never applies this file automatically"
			if fm.desc != "" {
				msg += "; agents see its description and may read it on demand"
			} else {
				msg += " (attach it by hand); add applyTo: \"**\" for every file, or a description so agents can find it"
			}
			at := Position{p.start, 0}
			pb := p.problem(CodeNoFrontmatter, p.lineRange(p.start), "%s", msg)
			if len(fm.has) == 0 && fm.descKey == nil {
				pb.Fix = &Fix{Title: "Add applyTo", Edits: []Edit{{Range: Range{at, at}, NewText: "---\napplyTo: \"**\"\n---\n"}}}
			}
		}
	case FormatClaudeRules, FormatCline:
		if !fm.globs {
			r.AlwaysApply = true
		}
	case FormatWindsurf:
		switch fm.mode {
		case "always_on":
			r.Globs, r.globRanges = nil, nil
			r.AlwaysApply = true
		case "glob":
			if len(r.Globs) == 0 {
				r.Manual = true
				p.problem(CodeWindsurfNoGlobs, p.nodeRange(fm.has["trigger"]), "trigger: glob without globs applies to no file: add globs")
			}
		case "model_decision":
			r.Globs, r.globRanges = nil, nil
			if fm.desc == "" {
				p.needDescription(fm, "trigger: model_decision is chosen by its description")
				r.Manual = true
			}
		case "manual":
			r.Globs, r.globRanges = nil, nil
			r.Manual = true
		default:
			// No trigger: globs make it a glob rule, otherwise it is always on.
			if len(r.Globs) == 0 {
				r.AlwaysApply = true
			}
		}
		if n := len([]rune(r.Body)); n > windsurfMaxChars {
			p.problem(CodeWindsurfTooLong, p.lineRange(r.BodyLine),
				"the rule is %d characters: Windsurf reads at most %d per rule file, the rest is cut", n, windsurfMaxChars)
		}
	case FormatContinue:
		for _, it := range fm.regex {
			r.Regex = append(r.Regex, it.value)
		}
		switch {
		case fm.always != nil && *fm.always:
			r.Globs, r.globRanges, r.Regex = nil, nil, nil
			r.AlwaysApply = true
		case fm.always != nil:
			if len(r.Globs) == 0 && len(r.Regex) == 0 && fm.desc == "" {
				r.Manual = true
			}
		default:
			if len(r.Globs) == 0 && len(r.Regex) == 0 {
				r.AlwaysApply = true
			}
		}
	case FormatKiro:
		switch fm.mode {
		case "", "always":
			r.Globs, r.globRanges = nil, nil
			r.AlwaysApply = true
		case "fileMatch":
			if len(r.Globs) == 0 {
				r.Manual = true
				p.problem(CodeKiroNoPattern, p.nodeRange(fm.has["inclusion"]), "inclusion: fileMatch without fileMatchPattern applies to no file: add fileMatchPattern")
			}
		case "auto":
			r.Globs, r.globRanges = nil, nil
			if fm.desc == "" || r.Name == "" {
				p.needDescription(fm, "inclusion: auto needs a name and a description")
				if fm.desc == "" {
					r.Manual = true
				}
			}
		case "manual":
			r.Globs, r.globRanges = nil, nil
			r.Manual = true
		}
	}
	if r.Dir != "" && !r.FolderScoped() {
		p.nestGlobs()
	}
	p.defaultDescription()
}

// windsurfMaxChars is the newer Windsurf documentation's cap on one rule file.
const windsurfMaxChars = 12000

func (p *parser) needDescription(fm *foreign, why string) {
	if fm.descKey != nil {
		p.problem(CodeNoDescription, p.nodeRange(fm.descKey), "description is empty: %s", why)
		return
	}
	p.problem(CodeNoDescription, p.lineRange(p.start), "missing description: %s", why)
}

// nestGlobs makes the globs of a rule in a nested rules folder (sub/.cursor/rules)
// relative to that folder, and an always-on one apply to the folder only.
func (p *parser) nestGlobs() {
	r := p.r
	if r.AlwaysApply {
		r.AlwaysApply = false
		r.Globs, r.globRanges = []string{r.Dir + "/**"}, nil
		return
	}
	for i, g := range r.Globs {
		neg := ""
		if strings.HasPrefix(g, "!") {
			neg, g = "!", g[1:]
		}
		g = strings.TrimPrefix(strings.TrimPrefix(g, "./"), "/")
		if !strings.Contains(g, "/") {
			g = "**/" + g
		}
		r.Globs[i] = neg + r.Dir + "/" + g
	}
}

// defaultDescription gives a rule without a description a title for hover and the
// prompt.
func (p *parser) defaultDescription() {
	r := p.r
	if r.Description != "" {
		return
	}
	if r.Name != "" {
		r.Description = r.Name
		return
	}
	switch {
	case r.FolderScoped():
		r.Description = r.Format.Title() + " instructions"
		if r.Dir != "" {
			r.Description += " for " + r.Dir
		}
	case r.Format == FormatCopilotRepo:
		r.Description = "Copilot repository instructions"
	case r.legacySingleFile() || r.Format == FormatCursorLegacy:
		r.Description = r.Format.Title() + " rules (" + path.Base(strings.ReplaceAll(r.Path, "\\", "/")) + ")"
	}
}

// checkFolderFile reports what only AGENTS.md-like files have: Codex's size limit.
func (p *parser) checkFolderFile(size int) {
	r := p.r
	if r.Format == FormatAgents && size > AgentsMaxBytes {
		p.problem(CodeAgentsTooLarge, Range{},
			"%s is %d bytes: Codex reads at most %d bytes of instructions (project_doc_max_bytes) and ignores the rest", path.Base(strings.ReplaceAll(r.Path, "\\", "/")), size, AgentsMaxBytes)
	}
}

// AgentsMaxBytes is Codex's default project_doc_max_bytes.
const AgentsMaxBytes = 32 << 10
