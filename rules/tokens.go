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
	n, err := enc.Count(s)
	if err != nil {
		return len(s)
	}
	return n
}
