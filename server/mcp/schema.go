package mcp

import (
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
)

// schemaFor infers the JSON schema of T and describes its top-level properties; the
// wire types carry no schema tags, so their descriptions for a model live here.
func schemaFor[T any](descriptions map[string]string) *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("schema of %T: %v", *new(T), err))
	}
	for name, d := range descriptions {
		p := s.Properties[name]
		if p == nil {
			panic(fmt.Sprintf("schema of %T: no property %q to describe", *new(T), name))
		}
		p.Description = d
	}
	return s
}

// enum restricts a string property to values.
func enum(s *jsonschema.Schema, name string, values ...string) {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	s.Properties[name].Enum = vs
}

// minimum sets the least value of a number property.
func minimum(s *jsonschema.Schema, name string, v float64) {
	s.Properties[name].Minimum = &v
}
