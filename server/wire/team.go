package wire

// TeamRule is the result of airules/teamRule: a team rule's text as the index last
// received it, for an editor that shows an airules-team:// URI (a hover link, go-to)
// read-only.
type TeamRule struct {
	URI      string `json:"uri"`
	Text     string `json:"text"`
	Revision uint64 `json:"revision"`
}
