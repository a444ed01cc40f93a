package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client calls the API the way people do; every failure is an error that
// names the request, and the chaos run simply tries again later.
type client struct {
	base string
	http *http.Client
}

// errorBody is API.md's error body.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// answer is one response: status, raw body and how long it took.
type answer struct {
	status  int
	body    []byte
	elapsed time.Duration
}

func (c *client) call(ctx context.Context, method, path, token string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{elapsed: time.Since(start)}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	a := answer{status: resp.StatusCode, body: raw, elapsed: time.Since(start)}
	if err != nil {
		return a, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	return a, nil
}

// do makes a request that must answer want, and decodes the answer into out
// (when not nil).
func (c *client) do(ctx context.Context, method, path, token string, body, out any, want int) error {
	a, err := c.call(ctx, method, path, token, body)
	if err != nil {
		return err
	}
	if a.status != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.200s", method, path, a.status, want, a.body)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

func (c *client) login(ctx context.Context, email, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password},
		&out, http.StatusOK)
	return out.Token, err
}
