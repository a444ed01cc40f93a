// Package client is a Go client of the campusbiz API generated from
// api/openapi.yaml by oapi-codegen, as a partner system would generate
// theirs. Regenerate after changing the document:
//
//	go generate ./api/client
//
// TestGeneratedClientIsCurrent fails when this file is out of date.
package client

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../openapi.yaml
