package index

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/airules/airules/rules"
	"github.com/klauspost/compress/s2"
	"golang.org/x/mod/module"
)

// skipDirs are directories the workspace walk never enters: VCS data, dependencies and
// build output. Inside a rule root they are ordinary folders (a rules category may well
// be called "build"). Dependency rules are found from the manifests, not by the walk.
var skipDirs = map[string]bool{
	".git": true, "node_modules": true, "_build": true, "deps": true, "vendor": true,
	".elixir_ls": true, "dist": true, "build": true, "target": true,
}

// Where dependencies live, relative to the workspace root.
const (
	depsDir        = "deps"
	nodeModulesDir = "node_modules"
	depsRuleName   = "usage-rules.md"
	depsSubDir     = "usage-rules"
)

// layout knows where rule sources are for one workspace: it turns an absolute path into
// the rules.Source it would be read as, without touching the disk. What a path is comes
// from rules.Classify; the layout adds what needs the workspace: .gitignore, the
// manifests' declared dependencies, the user and module-cache folders.
type layout struct {
	root     string // absolute, clean
	rulesRel string // native rules root relative to root, slash-separated
	userDir  string // absolute, clean, or ""
	// ignore is the root .gitignore, replaced on a full rescan while IsRuleFile may be
	// reading it from another goroutine.
	ignore atomic.Pointer[gitignore]
	// deps is what the manifests declare, replaced when they are read again.
	deps atomic.Pointer[depState]
	// cfg is .ai-rules/config.yaml, replaced when it is read again.
	cfg atomic.Pointer[rules.Config]
	// forgetBodies makes a parsed rule drop its body as a restored one has none (a
	// server's index, Options.Serve): a long-running process holds every rule and
	// renders few, and a one-shot command would read the bodies it renders twice.
	forgetBodies bool
	// pending holds the bodies of forgotten rules until their first use, which for
	// most is their count: counting is the one use every rule has, and reading each file
	// again for it would cost a cold server a second read of the workspace (and a
	// request that counts, its latency). A rule renders its body and keeps it; a
	// counting round hands the rest to the count worker as it begins (warmRound).
	pending pendingBodies
}

// pendingBodies are parsed bodies kept until their first use (layout.pending), packed
// (s2): on a first index they are the whole workspace's rule text, held until the
// first counting round sends them to the count worker, and rule text packs to a third
// of its size or less.
type pendingBodies struct {
	mu sync.Mutex
	m  map[*rules.Rule][]byte
}

func (p *pendingBodies) put(r *rules.Rule, body string) {
	// s2 encodes into a buffer of the worst case's size: packed into a scratch one and
	// copied out at its own size.
	scratch := packBufs.Get().(*[]byte)
	if n := s2.MaxEncodedLen(len(body)); cap(*scratch) < n {
		*scratch = make([]byte, n)
	}
	packed := bytes.Clone(s2.Encode((*scratch)[:cap(*scratch)], unsafe.Slice(unsafe.StringData(body), len(body))))
	packBufs.Put(scratch)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[*rules.Rule][]byte{}
	}
	p.m[r] = packed
}

// packBufs are the scratch buffers of packing and of pass.
var packBufs = sync.Pool{New: func() any { return new([]byte) }}

// pass calls use with the body of r, unpacked into a buffer that is used again, and
// forgets it; it reports whether r had one (rules.Rule.PassBodyWith). A count is most
// bodies' only use, and a string made of each would be the whole workspace's rule
// text of garbage while a server answers its first requests.
func (p *pendingBodies) pass(r *rules.Rule, use func(string)) bool {
	scratch := packBufs.Get().(*[]byte)
	defer packBufs.Put(scratch)
	body, ok := p.unpack(r, func(n int) []byte {
		if cap(*scratch) < n {
			*scratch = make([]byte, n)
		}
		return (*scratch)[:n]
	})
	if ok {
		use(unsafe.String(unsafe.SliceData(body), len(body)))
	}
	return ok
}

// take returns the body of r and forgets it.
func (p *pendingBodies) take(r *rules.Rule) (string, bool) {
	body, ok := p.unpack(r, func(n int) []byte { return make([]byte, n) })
	return unsafe.String(unsafe.SliceData(body), len(body)), ok // body is its own
}

// unpack forgets the body of r and unpacks it into buf(its length); false when r has
// none (or it does not unpack, which cannot happen to what put packed: the caller then
// reads the file).
func (p *pendingBodies) unpack(r *rules.Rule, buf func(n int) []byte) ([]byte, bool) {
	p.mu.Lock()
	packed, ok := p.m[r]
	delete(p.m, r)
	p.mu.Unlock()
	if !ok {
		return nil, false
	}
	n, err := s2.DecodedLen(packed)
	if err != nil {
		return nil, false
	}
	body, err := s2.Decode(buf(n), packed)
	return body, err == nil
}

// dropEmpty lets the memory of an empty map go (a map never shrinks).
func (p *pendingBodies) dropEmpty() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.m) == 0 {
		p.m = nil
	}
}

// clear forgets every body.
func (p *pendingBodies) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m = nil
}

// depState is the dependency rules the manifests allow.
type depState struct {
	policy *rules.DependencyPolicy
	// goRules maps the absolute path of a Go module's usage-rules.md in the module
	// cache to the module path.
	goRules  map[string]string
	modCache string
}

func newLayout(root, rulesDir, userDir string, ig *gitignore) *layout {
	if rulesDir == "" {
		rulesDir = rules.DefaultRulesDir
	}
	l := &layout{root: filepath.Clean(root), rulesRel: path.Clean(filepath.ToSlash(rulesDir))}
	l.ignore.Store(ig)
	l.deps.Store(&depState{policy: rules.NewDependencyPolicy(rules.MixProject{}, nil, nil)})
	if userDir != "" {
		l.userDir = filepath.Clean(userDir)
	}
	l.loadConfig()
	l.loadManifests()
	return l
}

// configPath is the absolute path of the configuration file.
func (l *layout) configPath() string {
	return filepath.Join(l.root, filepath.FromSlash(l.rulesRel), rules.ConfigFile)
}

// loadConfig reads the configuration file (through readAux); without one, the
// defaults hold.
func (l *layout) loadConfig() {
	cfg := &rules.Config{}
	if b, err := l.readAux(l.configPath()); err == nil {
		parsed := rules.ParseConfig(b)
		cfg = &parsed
	}
	// AIRULES_ENABLED=false turns airules off as `enabled: false` does: every answer
	// is empty, with no diagnostics.
	if !cfg.Enabled(os.Getenv("AIRULES_ENABLED")) {
		cfg.Disabled = true
	}
	l.cfg.Store(cfg)
}

// Config is the workspace's configuration (.ai-rules/config.yaml) as last read, with
// its problems; ConfigPath is where it lives. Formats, exclude and dependencies take
// effect in discovery; disabled, layers, maxTokens and enabled are for the caller
// (rules.SetOptions, the default budget, a server that stays quiet when disabled).
func (ix *Index) Config() rules.Config { return *ix.lay.cfg.Load() }

// ConfigPath is the absolute path of the configuration file, whether or not it exists.
func (ix *Index) ConfigPath() string { return ix.lay.configPath() }

// rel returns the workspace-relative slash path of abs, or false when abs is outside.
func (l *layout) rel(abs string) (string, bool) {
	if abs == l.root {
		return "", true
	}
	if !strings.HasPrefix(abs, l.root) || len(abs) <= len(l.root) || abs[len(l.root)] != filepath.Separator {
		return "", false
	}
	return filepath.ToSlash(abs[len(l.root)+1:]), true
}

// ruleRoots are the workspace-relative directories whose whole subtree holds rules.
func (l *layout) ruleRoots() []string { return rules.RuleDirs(l.rulesRel) }

// isRuleRoot reports whether rel is a rule folder: a root one, or a nested
// .cursor/rules or .windsurf/rules.
func (l *layout) isRuleRoot(rel string) bool { return rules.IsRuleDir(rel, l.rulesRel) }

// inRuleRoot reports whether rel is a rule root or lies below one.
func (l *layout) inRuleRoot(rel string) bool {
	for _, r := range l.ruleRoots() {
		if under(rel, r) {
			return true
		}
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' && l.isRuleRoot(rel[:i]) {
			return true
		}
	}
	return l.isRuleRoot(rel)
}

// under reports whether slash path p is dir or below it.
func under(p, dir string) bool {
	return p == dir || (strings.HasPrefix(p, dir) && len(p) > len(dir) && p[len(dir)] == '/')
}

// skipped reports whether the workspace walk leaves out the directory or file at rel:
// a skipped name or a .gitignore match on rel or any of its parents, unless it lies in
// a rule root.
func (l *layout) skipped(rel string, isDir bool) bool {
	if rel == "" || l.inRuleRoot(rel) {
		return false
	}
	ig := l.ignore.Load()
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		last := i == len(parts)-1
		if (!last || isDir) && skipDirs[p] {
			return true
		}
		if ig != nil && ig.ignored(strings.Join(parts[:i+1], "/"), !last || isDir) {
			return true
		}
	}
	return false
}

// classify returns the source abs is read as, or false when it is no rule file.
func (l *layout) classify(abs string) (rules.Source, bool) {
	abs = filepath.Clean(abs)
	if rel, ok := l.rel(abs); ok && rel != "" {
		if src, ok := l.classifyRel(abs, rel); ok {
			return src, true
		}
	}
	if l.userDir != "" && strings.HasPrefix(abs, l.userDir+string(filepath.Separator)) {
		rel := filepath.ToSlash(abs[len(l.userDir)+1:])
		if strings.HasSuffix(rel, ".md") && !hiddenPart(rel) && l.cfg.Load().FormatOn(rules.FormatUser) {
			return rules.Source{Path: abs, ID: strings.TrimSuffix(rel, ".md"), Layer: rules.LayerUser, Format: rules.FormatUser}, true
		}
	}
	st := l.deps.Load()
	if mod, ok := st.goRules[abs]; ok && l.cfg.Load().FormatOn(rules.FormatDependency) && l.cfg.Load().DependencyOn(rules.EcoGo, mod) {
		src := rules.DependencyClass(mod, "").Source(abs)
		src.Ecosystem, src.OptedIn = rules.EcoGo, st.policy.OptedIn(rules.EcoGo, mod, "")
		return src, true
	}
	return rules.Source{}, false
}

func (l *layout) classifyRel(abs, rel string) (rules.Source, bool) {
	c, ok := rules.Classify(rel, l.rulesRel)
	cfg := l.cfg.Load()
	if !ok || !cfg.FormatOn(c.Format) || cfg.Excluded(rel) {
		return rules.Source{}, false
	}
	if c.Format == rules.FormatDependency {
		eco, policy := ecosystemOf(rel), l.deps.Load().policy
		if !policy.Declares(eco, c.Package) || !cfg.DependencyOn(eco, c.Package) {
			return rules.Source{}, false // not a dependency the project declares
		}
		src := c.Source(abs)
		src.Ecosystem, src.OptedIn = eco, policy.OptedIn(eco, c.Package, c.Sub)
		return src, true
	}
	if c.Dir != "" && l.skipped(c.Dir, true) {
		return rules.Source{}, false // a folder file inside node_modules/, an ignored folder
	}
	return c.Source(abs), true
}

func ecosystemOf(rel string) rules.Ecosystem {
	if strings.HasPrefix(rel, nodeModulesDir+"/") {
		return rules.EcoNPM
	}
	return rules.EcoHex
}

// hiddenPart reports whether a path under a rule root has a dot-named part: editors'
// swap and backup files (.#x.md, .x.md.swp) are not rules.
func hiddenPart(sub string) bool {
	for _, p := range strings.Split(sub, "/") {
		if strings.HasPrefix(p, ".") {
			return true
		}
	}
	return false
}

// IsRuleFile reports whether an absolute path is, or would be if it existed, a rule
// source by its location and name.
func (ix *Index) IsRuleFile(path string) bool {
	_, ok := ix.lay.classify(path)
	return ok
}

// rescans reports whether a change to the workspace-relative path changes which files
// are rules: a manifest (the dependency rules) or the configuration file.
func (l *layout) rescans(rel string) bool {
	if rel == l.rulesRel+"/"+rules.ConfigFile {
		return true
	}
	if under(rel, depsDir) || under(rel, nodeModulesDir) {
		return false // a package's own manifest, not the project's
	}
	base := path.Base(rel)
	for _, m := range rules.Manifests {
		// The root's, or an umbrella app's or a workspace package's.
		if base == m && strings.Count(rel, "/") <= 3 {
			return true
		}
	}
	return false
}

// loadManifests reads mix.exs, package.json and go.mod (each through readAux) and
// replaces what the layout knows of the dependencies. For Go it looks up each required
// module's folder in the module cache; nothing is ever downloaded.
func (l *layout) loadManifests() {
	read := func(name string) []byte {
		b, err := l.readAux(filepath.Join(l.root, name))
		if err != nil {
			return nil
		}
		return b
	}
	var mix rules.MixProject
	if b := read("mix.exs"); b != nil {
		mix = rules.ParseMix(b)
		// An umbrella's apps declare the dependencies; they share the root's deps/.
		if mix.AppsPath != "" {
			for _, m := range l.subManifests(mix.AppsPath+"/*", "mix.exs") {
				mix.Deps = append(mix.Deps, rules.ParseMix(m).Deps...)
			}
		}
	}
	var npm []string
	if b := read("package.json"); b != nil {
		var workspaces []string
		npm, workspaces = rules.ParsePackageJSONWorkspaces(b)
		// A monorepo's packages declare dependencies that node_modules/ at the root holds.
		for _, w := range workspaces {
			for _, m := range l.subManifests(w, "package.json") {
				npm = append(npm, rules.ParsePackageJSON(m)...)
			}
		}
	}
	var gomod []rules.GoRequire
	if b := read("go.mod"); b != nil {
		gomod = rules.ParseGoMod(b)
	}
	st := &depState{policy: rules.NewDependencyPolicy(mix, npm, gomod), goRules: map[string]string{}}
	if len(gomod) > 0 {
		st.modCache = l.deps.Load().modCache
		if st.modCache == "" {
			st.modCache = goModCache() // once per layout: it may run `go env`
		}
	}
	if st.modCache != "" {
		for _, r := range gomod {
			ep, err1 := module.EscapePath(r.Path)
			ev, err2 := module.EscapeVersion(r.Version)
			if err1 != nil || err2 != nil {
				continue
			}
			st.goRules[filepath.Join(st.modCache, filepath.FromSlash(ep)+"@"+ev, depsRuleName)] = r.Path
		}
	}
	l.deps.Store(st)
}

// maxSubManifests bounds the manifests read for an umbrella or a monorepo.
const maxSubManifests = 256

// subManifests reads the manifest name in each folder that the workspace-relative
// pattern (an umbrella's `apps/*`, a workspaces entry like `packages/*`) matches.
func (l *layout) subManifests(pattern, name string) [][]byte {
	pattern = path.Clean(strings.TrimPrefix(strings.TrimSuffix(pattern, "/"), "./"))
	if strings.HasPrefix(pattern, "..") || strings.HasPrefix(pattern, "/") || strings.HasPrefix(pattern, "!") || strings.Count(pattern, "/") > 2 {
		return nil
	}
	dirs, err := filepath.Glob(filepath.Join(l.root, filepath.FromSlash(pattern)))
	if err != nil {
		return nil
	}
	var out [][]byte
	for _, d := range dirs {
		if len(out) >= maxSubManifests {
			break
		}
		if b, err := l.readAux(filepath.Join(d, name)); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// depCandidates are the dependency rule files the manifests allow, whether or not
// they exist: deps/<pkg>/usage-rules.md and its sub-rules folder for Hex,
// node_modules/<pkg>/usage-rules.md for npm, and the Go modules' files in the cache.
func (l *layout) depCandidates(readDir func(string) []os.DirEntry) []string {
	st := l.deps.Load()
	var out []string
	for pkg := range st.policy.Declared[rules.EcoHex] {
		dir := filepath.Join(l.root, depsDir, pkg)
		out = append(out, filepath.Join(dir, depsRuleName))
		for _, e := range readDir(filepath.Join(dir, depsSubDir)) {
			if strings.HasSuffix(e.Name(), ".md") {
				out = append(out, filepath.Join(dir, depsSubDir, e.Name()))
			}
		}
	}
	for pkg := range st.policy.Declared[rules.EcoNPM] {
		out = append(out, filepath.Join(l.root, nodeModulesDir, filepath.FromSlash(pkg), depsRuleName))
	}
	for p := range st.goRules {
		out = append(out, p)
	}
	return out
}

// goModCache is the Go module cache: $GOMODCACHE, else what `go env GOMODCACHE` says,
// else $GOPATH/pkg/mod or ~/go/pkg/mod.
func goModCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return filepath.Clean(d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return filepath.Clean(d)
		}
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// readAuxCheck reports whether a dependency rule file may be read: its real path lies
// inside the workspace or the module cache.
func (l *layout) readAuxCheck(abs string) (bool, error) {
	if resolvesInside(abs, l.root) {
		return true, nil
	}
	if mc := l.deps.Load().modCache; mc != "" && resolvesInside(abs, mc) {
		return true, nil
	}
	return false, rules.ErrOutside
}
