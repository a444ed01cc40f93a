package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/campusbiz/campusbiz/api"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The API tests check every exchange against the OpenAPI document, so that
// the document cannot drift from the handlers: each response's status,
// content type and body must be the documented ones for its operation, and
// each request the server accepted (2xx) must be one the document accepts.
// Requests the server refused are not checked: the tests send malformed
// ones on purpose.

var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractErr    error
)

// contractFor loads the embedded document and its router once.
func contractFor() (routers.Router, error) {
	contractOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPIDocument())
		if err == nil {
			err = doc.Validate(context.Background())
		}
		if err == nil {
			doc.Servers = nil // match paths as they are, on any host
			contractRouter, err = gorillamux.NewRouter(doc)
		}
		contractErr = err
	})
	return contractRouter, contractErr
}

// checkContract validates one exchange (the request as sent, with its body,
// and the recorded response) against the document.
func checkContract(t testing.TB, req *http.Request, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	router, err := contractFor()
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return // an undocumented path or method: TestOpenAPIMatchesRoutes covers the router
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if rec.Code >= 200 && rec.Code < 300 {
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s was accepted (%d) but the document refuses the request: %v", req.Method, req.URL, rec.Code, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: opts,
	}
	out.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s answered %d, not as the document says: %v\nbody: %.500s", req.Method, req.URL, rec.Code, err, rec.Body.String())
	}
}
