package api

import (
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// routes registers every route with its access rule. Each route names its
// middleware explicitly: anyone, signedIn, or only(roles...).
func (s *server) routes(e *echo.Echo) {
	signedIn := s.authenticate
	applicant := []echo.MiddlewareFunc{signedIn, only(models.RoleApplicant)}
	admin := []echo.MiddlewareFunc{signedIn, only(models.RoleAdmin)}

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler())
	monitoring := []echo.MiddlewareFunc{s.authenticateWithCookie, only(models.RoleAdmin)}
	e.Any("/monitoring", s.monitor, monitoring...)
	e.Any("/monitoring/*", s.monitor, monitoring...)

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.yaml", s.openAPI)

	v1.POST("/auth/register", s.register)
	v1.POST("/auth/login", s.login)
	v1.POST("/auth/logout", s.logout, signedIn)
	v1.GET("/me", s.me, signedIn)
	v1.GET("/me/notifications", s.notifications, signedIn)
	v1.POST("/admin/accounts", s.createAccount, admin...)

	v1.GET("/colleges", s.listColleges)
	v1.POST("/admin/colleges", s.createCollege, admin...)

	v1.POST("/onboarding", s.submitOnboarding, applicant...)
	v1.GET("/onboarding/:id", s.getOnboarding, signedIn)
	v1.PUT("/onboarding/:id", s.resubmitOnboarding, applicant...)
	v1.GET("/onboarding/:id/events", s.onboardingEvents, signedIn)

	v1.GET("/admin/stats", s.stats, admin...)
}
