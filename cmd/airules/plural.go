package main

import "fmt"

// count says "1 rule" and "2 rules" (the nouns airules counts take an s).
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
