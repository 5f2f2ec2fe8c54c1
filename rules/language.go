package rules

import (
	"path"
	"sort"
	"strings"
)

// extLanguages maps a file extension (lower case, with the dot) to its LSP language id.
var extLanguages = map[string]string{
	".ex": "elixir", ".exs": "elixir", ".heex": "phoenix-heex", ".eex": "eex", ".leex": "eex",
	".erl": "erlang", ".hrl": "erlang",
	".go": "go", ".mod": "go.mod",
	".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "typescriptreact",
	".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascriptreact",
	".py": "python", ".pyi": "python",
	".rb": "ruby", ".rake": "ruby", ".erb": "erb",
	".rs":   "rust",
	".java": "java", ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala", ".sc": "scala", ".groovy": "groovy", ".gradle": "groovy",
	".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
	".m": "objective-c", ".mm": "objective-cpp",
	".cs": "csharp", ".fs": "fsharp", ".fsx": "fsharp", ".vb": "vb",
	".swift": "swift", ".dart": "dart",
	".php": "php", ".pl": "perl", ".pm": "perl", ".lua": "lua", ".r": "r", ".jl": "julia",
	".hs": "haskell", ".ml": "ocaml", ".mli": "ocaml", ".clj": "clojure", ".cljs": "clojure", ".cljc": "clojure", ".edn": "clojure",
	".elm": "elm", ".gleam": "gleam", ".zig": "zig", ".nim": "nim", ".cr": "crystal",
	".sh": "shellscript", ".bash": "shellscript", ".zsh": "shellscript", ".fish": "fish", ".ps1": "powershell", ".psm1": "powershell", ".bat": "bat", ".cmd": "bat",
	".html": "html", ".htm": "html", ".css": "css", ".scss": "scss", ".sass": "sass", ".less": "less",
	".vue": "vue", ".svelte": "svelte", ".astro": "astro",
	".json": "json", ".jsonc": "jsonc", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".xml": "xml", ".xsl": "xsl", ".ini": "ini",
	".md": "markdown", ".markdown": "markdown", ".mdc": "markdown", ".mdx": "mdx", ".rst": "restructuredtext", ".tex": "latex", ".bib": "bibtex",
	".sql": "sql", ".graphql": "graphql", ".gql": "graphql", ".proto": "proto",
	".tf": "terraform", ".tfvars": "terraform", ".hcl": "hcl", ".nix": "nix",
	".sol": "solidity", ".diff": "diff", ".patch": "diff",
}

// nameLanguages maps whole base names that carry no useful extension.
var nameLanguages = map[string]string{
	"Dockerfile": "dockerfile", "Makefile": "makefile", "GNUmakefile": "makefile", "makefile": "makefile",
	"Gemfile": "ruby", "Rakefile": "ruby", "mix.lock": "elixir", "go.sum": "go.sum", "CMakeLists.txt": "cmake",
}

// LanguageOf guesses the LSP language id of a path from its name, or "".
func LanguageOf(p string) string {
	base := path.Base(strings.ReplaceAll(p, "\\", "/"))
	if l, ok := nameLanguages[base]; ok {
		return l
	}
	if strings.HasPrefix(base, "Dockerfile.") {
		return "dockerfile"
	}
	return extLanguages[strings.ToLower(path.Ext(base))]
}

// knownLanguages is every language id AIR008 accepts: LSP's well-known ids and every id
// the extension map can produce.
var knownLanguages = func() []string {
	set := map[string]bool{}
	for _, l := range extLanguages {
		set[l] = true
	}
	for _, l := range nameLanguages {
		set[l] = true
	}
	for _, l := range strings.Fields(`abap bat bibtex clojure coffeescript c cpp csharp css
		cuda diff dart dockerfile elixir erlang fsharp git-commit git-rebase go groovy
		handlebars haml html ini java javascript javascriptreact json jsonc latex less lua
		makefile markdown objective-c objective-cpp perl perl6 php plaintext powershell jade
		pug python r razor ruby rust scss sass scala shaderlab shellscript slim sql stylus
		swift typescript typescriptreact tex vb xml xsl yaml kotlin haskell ocaml elm zig
		nim vue svelte terraform toml graphql proto nix julia gleam solidity heex surface`) {
		set[l] = true
	}
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}()

// KnownLanguages returns the language ids that rules may name, sorted.
func KnownLanguages() []string { return append([]string(nil), knownLanguages...) }

func isKnownLanguage(id string) bool {
	i := sort.SearchStrings(knownLanguages, id)
	return i < len(knownLanguages) && knownLanguages[i] == id
}

// ExtensionsOf lists the extensions mapped to a language id, for hover and completion.
func ExtensionsOf(id string) []string {
	var out []string
	for ext, l := range extLanguages {
		if l == id {
			out = append(out, ext)
		}
	}
	sort.Strings(out)
	return out
}

// ResolveLanguage picks the language of a file from what a client says and from its
// name. An editor without support for a language reports its files as "plaintext" (VS
// Code without an Elixir extension does so for .ex), or sends an empty id (Neovim for a
// buffer without a filetype): then the name decides. A known id other than plaintext
// wins over the name.
func ResolveLanguage(client, p string) string {
	if client != "" && client != "plaintext" && isKnownLanguage(client) {
		return client
	}
	if l := LanguageOf(p); l != "" {
		return l
	}
	return client
}
