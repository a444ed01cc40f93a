package api

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed openapi.yaml
var openAPIDocument []byte

// OpenAPIDocument is the API's OpenAPI 3 description, served at
// /api/v1/openapi.yaml.
func OpenAPIDocument() []byte { return openAPIDocument }

func (s *server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPIDocument)
}

func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// ReadyResponse says which dependency answers.
type ReadyResponse struct {
	Status   string `json:"status"`
	Postgres string `json:"postgres"`
	Redis    string `json:"redis"`
}

func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	r := s.app.Ready(ctx)
	res := ReadyResponse{Status: "ok", Postgres: "ok", Redis: "ok"}
	if r.Postgres != nil {
		res.Postgres = "down: " + r.Postgres.Error()
	}
	if r.Redis != nil {
		res.Redis = "down: " + r.Redis.Error()
	}
	if r.Postgres == nil && r.Redis == nil {
		return c.JSON(http.StatusOK, res)
	}
	res.Status = "unavailable"
	var down []string
	if r.Postgres != nil {
		down = append(down, "postgres")
	}
	if r.Redis != nil {
		down = append(down, "redis")
	}
	p := app.NewProblem(http.StatusServiceUnavailable, msg.ErrorNotReady, msg.Texts("services", down))
	return c.JSON(http.StatusServiceUnavailable, struct {
		ErrorBody
		ReadyResponse
	}{ErrorBody{detail(p, printer(c))}, res})
}

func (s *server) metricsHandler() echo.HandlerFunc {
	h := promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{})
	return echo.WrapHandler(h)
}

func (s *server) monitor(c echo.Context) error {
	if s.monitoring == nil {
		return newError(http.StatusServiceUnavailable, msg.ErrorMonitoringOff)
	}
	// Asynqmon writes its own pages; it must not inherit the API's timeout.
	s.monitoring.ServeHTTP(c.Response(), c.Request())
	return nil
}

// httpMetrics counts requests and their latency by route pattern.
func (s *server) httpMetrics() echo.MiddlewareFunc {
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "campusbiz_http_request_duration_seconds",
		Help:    "HTTP request latency by method, route pattern and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "status"})
	s.metrics.MustRegister(duration)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			if err != nil {
				status = problem(err).Status
			}
			duration.WithLabelValues(c.Request().Method, c.Path(), strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			return err
		}
	}
}
