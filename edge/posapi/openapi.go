package posapi

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's OpenAPI 3 document. Its source of truth is this
// package's openapi.json (go:embed cannot reach outside the package);
// docs/openapi.json is a copy that a test keeps byte-identical.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(OpenAPI)
}
