package api

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
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
	res := ReadyResponse{Status: "ok", Postgres: "ok", Redis: "ok"}
	var g errgroup.Group
	g.Go(func() error {
		sqlDB, err := s.db.DB()
		if err == nil {
			err = sqlDB.PingContext(ctx)
		}
		if err != nil {
			res.Postgres = "down: " + err.Error()
		}
		return nil
	})
	g.Go(func() error {
		if err := s.redis.Ping(ctx).Err(); err != nil {
			res.Redis = "down: " + err.Error()
		}
		return nil
	})
	_ = g.Wait() // the checks record their own failures
	if res.Postgres != "ok" || res.Redis != "ok" {
		res.Status = "unavailable"
		var down []string
		if res.Postgres != "ok" {
			down = append(down, "postgres")
		}
		if res.Redis != "ok" {
			down = append(down, "redis")
		}
		e := newError(http.StatusServiceUnavailable, msg.ErrorNotReady, msg.Texts("services", down))
		return c.JSON(http.StatusServiceUnavailable, struct {
			ErrorBody
			ReadyResponse
		}{ErrorBody{e.detail(s.printer(c))}, res})
	}
	return c.JSON(http.StatusOK, res)
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
				status = s.classify(c, err).status
			}
			duration.WithLabelValues(c.Request().Method, c.Path(), strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			return err
		}
	}
}
