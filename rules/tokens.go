package rules

import (
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

var (
	encOnce sync.Once
	enc     tokenizer.Codec
)

// CountTokens counts s in o200k BPE tokens with the encoder embedded in the binary; it
// never touches the network. Loading the encoder happens once, on first use.
func CountTokens(s string) int {
	if s == "" {
		return 0
	}
	encOnce.Do(func() {
		c, err := tokenizer.Get(tokenizer.O200kBase)
		if err == nil {
			enc = c
		}
	})
	if enc == nil {
		return len(s) // an upper bound: no token is shorter than a byte
	}
	// The o200k pre-tokenizer's whitespace patterns backtrack quadratically over a long
	// run of whitespace (20 KB of " \n" takes 0.4 s), so a file could stall indexing.
	// Such runs are charged a token per byte, which is never less than their real count,
	// and only the text around them is counted.
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
