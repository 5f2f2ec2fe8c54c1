package rules

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
)

var (
	encOnce sync.Once
	enc     tokenizer.Codec
)

// CountTokens counts s in o200k BPE tokens with the encoder embedded in the binary; it
// never touches the network. Loading the encoder happens once, on first use. The count
// is the library's own, exactly (TestCountTokensIsExact, FuzzTokenCount): the text is
// split into o200k's pieces here, in one pass, and each distinct piece is encoded once
// (pieceCounts), since rule text repeats its words.
func CountTokens(s string) int { return pieceCounts.countText(s) }

// A Counter counts as CountTokens does, with a memo of its own: a thread of low priority
// that counts in bulk must not hold a lock that urgent counts wait for.
type Counter struct{ memo *pieceMemo }

// NewCounter returns a Counter with an empty memo.
func NewCounter() *Counter { return &Counter{memo: &pieceMemo{m: map[string]int32{}}} }

// Count is CountTokens(s).
func (c *Counter) Count(s string) int { return c.memo.countText(s) }

func (p *pieceMemo) countText(s string) int {
	if s == "" {
		return 0
	}
	LoadTokenizer()
	if enc == nil {
		return len(s) // an upper bound: no token is shorter than a byte
	}
	if utf8.ValidString(s) {
		return p.count(s)
	}
	// Not UTF-8 (such a file is AIR016 and never applied): the library's own split,
	// whose whitespace patterns backtrack quadratically over a long run of whitespace
	// (20 KB of " \n" takes 0.4 s); such runs are charged a token per byte, never
	// less than their real count, and only the text around them is counted.
	total := 0
	for s != "" {
		i, j := longSpaceRun(s)
		if i < 0 {
			return total + count(s)
		}
		total += count(s[:i]) + (j - i)
		s = s[j:]
	}
	return total
}

// LoadTokenizer loads the encoder now, if it is not loaded yet: a caller that knows
// counts are coming (a server's first index of a workspace) loads it off the path of
// the first request that counts.
func LoadTokenizer() {
	encOnce.Do(func() {
		c, err := tokenizer.Get(tokenizer.O200kBase)
		if err == nil {
			enc = c
		}
	})
}

// pieceCounts memoises the token counts of o200k pieces.
var pieceCounts = &pieceMemo{m: map[string]int32{}}

const (
	// memoPieces bounds the memo; a full memo is emptied and refilled.
	memoPieces = 1 << 17
	// memoPieceLen is the longest piece memoised: longer ones rarely repeat.
	memoPieceLen = 64
)

type pieceMemo struct {
	mu sync.RWMutex
	m  map[string]int32
}

func (p *pieceMemo) count(s string) int {
	total := 0
	var missing []string
	p.mu.RLock()
	splitO200k(s, func(piece string) {
		if n, ok := p.m[piece]; ok {
			total += int(n)
		} else {
			missing = append(missing, piece)
		}
	})
	p.mu.RUnlock()
	if len(missing) == 0 {
		return total
	}
	counted := make(map[string]int32, len(missing))
	for _, piece := range missing {
		n, ok := counted[piece]
		if !ok {
			n = int32(count(piece))
			counted[piece] = n
		}
		total += int(n)
	}
	p.mu.Lock()
	if len(p.m)+len(counted) > memoPieces {
		clear(p.m)
	}
	for piece, n := range counted {
		if len(piece) <= memoPieceLen {
			p.m[strings.Clone(piece)] = n // a key must not keep the whole text alive
		}
	}
	p.mu.Unlock()
	return total
}

// maxSpaceRun is the longest whitespace run counted exactly.
const maxSpaceRun = 256

// longSpaceRun finds the first run of more than maxSpaceRun whitespace bytes.
func longSpaceRun(s string) (int, int) {
	start := -1
	for k := 0; k < len(s); k++ {
		switch s[k] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			if start < 0 {
				start = k
			}
			continue
		}
		if start >= 0 && k-start > maxSpaceRun {
			return start, k
		}
		start = -1
	}
	if start >= 0 && len(s)-start > maxSpaceRun {
		return start, len(s)
	}
	return -1, -1
}

func count(s string) int {
	if s == "" {
		return 0
	}
	n, err := enc.Count(s)
	if err != nil {
		return len(s)
	}
	return n
}
