module github.com/airules/airules

go 1.26

require (
	github.com/adrg/frontmatter v0.2.0
	github.com/bmatcuk/doublestar/v4 v4.10.4
	github.com/tiktoken-go/tokenizer v0.10.0
	go.uber.org/zap v1.28.0
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/BurntSushi/toml v0.3.1 // indirect
	github.com/dlclark/regexp2/v2 v2.5.1 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	gopkg.in/yaml.v2 v2.3.0 // indirect
)
