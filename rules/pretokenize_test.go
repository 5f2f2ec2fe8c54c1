package rules

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
	"github.com/tiktoken-go/tokenizer"
)

// o200kSplit is the pre-tokenizer of tiktoken-go's o200k_base codec, compiled here
// from the same expression: splitO200k must find exactly its pieces.
var o200kSplit = regexp2.MustCompile(`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`, regexp2.None)

func regexpPieces(t testing.TB, s string) []string {
	var out []string
	m, err := o200kSplit.FindStringMatch(s)
	for ; m != nil && err == nil; m, err = o200kSplit.FindNextMatch(m) {
		out = append(out, m.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ourPieces(s string) []string {
	var out []string
	splitO200k(s, func(p string) { out = append(out, p) })
	return out
}

// libraryCount is the count of the library itself, no shortcut.
func libraryCount(t testing.TB, s string) int {
	c, err := tokenizer.Get(tokenizer.O200kBase)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Count(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func checkSame(t testing.TB, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		return
	}
	want, got := regexpPieces(t, s), ourPieces(s)
	if !slices.Equal(got, want) {
		t.Fatalf("split of %q:\n got %q\nwant %q", s, got, want)
	}
}

// tricky inputs: each alternative of the expression, its backtracking, and the
// character classes where ASCII intuition fails.
var trickyTexts = []string{
	"", "a", "A", "Hello world", "HELLO world", "don't", "DON'T", "they're we've I'm you'll he'd", "'s", "x'", "x'S'T",
	"  leading", "trailing  ", "a  b", "a \n b", "\n\n\nx", " \n \n", "\r\n\r\nx", "\t\tx", "x\u00a0y", "x\u2028y", "x\u0085y",
	"123456", " 12", "x12", "१२३४", "½¾", "…!?", " !!", "!!\n\n/x", "a/b//c", "//\n/", "a.\nb", "e\u0301", "\u0301AB", "A\u0301b",
	"ǅemal", "ǅ", "ʰa", "Aʰ", "日本語のテキスト", "한국어 문장", "Ünïcödé Straße", "ΑΒΓ αβγ", "emoji 🎉🎉 ok", "tab\tafter",
	"x\x00y\x7fz", "- [ ] item\n- [x] done", "```go\nfunc f() {}\n```", "a_b-c", "CamelCaseWordsAndHTTPServer", "x   \n",
	strings.Repeat(" ", 300) + "x", strings.Repeat(" ", 200) + "x", "a" + strings.Repeat(" \n", 2000) + "b", strings.Repeat(" \n", 200), "\u3000\u3000x", "A'LL a'Ll", "'re 're'", "Ǆ'S",
}

func TestSplitO200kMatchesTheRegexp(t *testing.T) {
	for _, s := range trickyTexts {
		checkSame(t, s)
	}
}

// randomText draws from an alphabet that mixes every class the expression names.
func randomText(rng *rand.Rand, n int) string {
	alphabet := []rune("aZ eE'sStTrRvVmMlLdD09\t\n\r/.,!?-_()[]{}#*`\"\u00a0\u2028\u0085\u3000" +
		"\u0301\u0308ǅʰ日本한ß½१٣🎉\x00\x7fΑα")
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func TestSplitO200kRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		checkSame(t, randomText(rng, 1+rng.IntN(40)))
	}
}

// TestCountTokensIsExact: the memoised count equals the library's on the rule files of
// the repository (fixtures, golden inputs, examples) and on random text.
func TestCountTokensIsExact(t *testing.T) {
	var texts []string
	for _, pattern := range []string{"../testdata/example/.ai-rules/*/*.md", "../testdata/example/.ai-rules/*/*/*.md",
		"../testdata/diagnostics/*.md", "../testdata/formats/*/*", "../testdata/formats/*/*/*", "../README.md"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil && utf8.Valid(data) {
				texts = append(texts, string(data))
			}
		}
	}
	if len(texts) < 10 {
		t.Fatalf("only %d fixture texts found", len(texts))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		texts = append(texts, randomText(rng, 1+rng.IntN(200)))
	}
	for _, s := range append(texts, trickyTexts...) {
		if got, want := CountTokens(s), libraryCount(t, s); got != want {
			t.Fatalf("CountTokens = %d, library %d, for %q", got, want, s)
		}
	}
}

func FuzzTokenCount(f *testing.F) {
	for _, s := range trickyTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 || !utf8.ValidString(s) {
			return // the library's own regexp is quadratic on long whitespace
		}
		checkSame(t, s)
		if got, want := CountTokens(s), libraryCount(t, s); got != want {
			t.Fatalf("CountTokens = %d, library %d, for %q", got, want, s)
		}
	})
}
