package api

import (
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// routes registers every route with its access rule. Each route names its
// middleware explicitly: anyone, signedIn, or only(roles...).
func (s *server) routes(e *echo.Echo) {
	signedIn := s.authenticate
	admin := []echo.MiddlewareFunc{signedIn, only(models.RoleAdmin)}
	// Routes that start or change workflows also spend the account's
	// submission budget (429 beyond it).
	submit := []echo.MiddlewareFunc{signedIn, only(models.RoleApplicant), s.limitSubmissions}
	adminWrite := []echo.MiddlewareFunc{signedIn, only(models.RoleAdmin), s.limitSubmissions}

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/.well-known/did.json", s.didDocument)
	e.GET("/credentials/status/:list", s.statusList)
	e.GET("/metrics", s.metricsHandler(), s.scraperOrAdmin)
	monitoring := []echo.MiddlewareFunc{s.authenticateWithCookie, only(models.RoleAdmin), sameOrigin}
	e.Any("/monitoring", s.monitor, monitoring...)
	e.Any("/monitoring/*", s.monitor, monitoring...)

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.yaml", s.openAPI)

	v1.POST("/auth/register", s.register)
	v1.POST("/auth/login", s.login)
	v1.POST("/auth/logout", s.logout, signedIn)
	v1.GET("/me", s.me, signedIn)
	v1.GET("/me/notifications", s.notifications, signedIn)
	v1.GET("/me/notifications/unread", s.unreadNotifications, signedIn)
	v1.POST("/me/notifications/read", s.readAllNotifications, signedIn)
	v1.POST("/me/notifications/:id/read", s.readNotification, signedIn)
	v1.POST("/admin/accounts", s.createAccount, adminWrite...)

	v1.GET("/colleges", s.listColleges)
	v1.POST("/admin/colleges", s.createCollege, adminWrite...)

	v1.POST("/onboarding", s.submitOnboarding, submit...)
	v1.GET("/onboarding/:id", s.getOnboarding, signedIn)
	v1.PUT("/onboarding/:id", s.resubmitOnboarding, submit...)
	v1.GET("/onboarding/:id/events", events(s.app.ProfileEvents, "id"), signedIn)
	v1.POST("/onboarding/:id/email-code", s.confirmEmailCode, submit...)
	v1.POST("/onboarding/:id/email-code/resend", s.resendEmailCode, submit...)
	v1.POST("/onboarding/:id/disputes", s.fileDispute, submit...)
	v1.GET("/disputes/:id/events", events(s.app.DisputeEvents, "id"), signedIn)
	v1.GET("/admin/disputes", s.listDisputes, admin...)
	v1.GET("/admin/disputes/:id", s.getDispute, admin...)
	v1.POST("/admin/disputes/:id/decide", s.decideDispute, adminWrite...)

	v1.GET("/courses", s.listCourses)
	v1.GET("/courses/:id", s.getCourse)
	v1.POST("/admin/courses", s.createCourse, adminWrite...)
	v1.POST("/courses/:id/enrollments", s.enroll, submit...)
	v1.GET("/enrollments", s.listEnrollments, signedIn)
	v1.GET("/enrollments/:id", s.getEnrollment, signedIn)
	v1.GET("/enrollments/:id/events", events(s.app.EnrollmentEvents, "id"), signedIn)
	v1.POST("/admin/enrollments/:id/result", s.postResult, adminWrite...)
	v1.GET("/certificates/keys", s.certificateKeys)
	v1.GET("/certificates/:serial", s.verifyCertificate, s.limitLookups)
	v1.GET("/certificates/:serial/pdf", s.certificatePDF, s.limitLookups)
	v1.GET("/certificates/:serial/credential", s.certificateCredential, s.limitLookups)
	v1.GET("/certificates/:serial/events", events(s.app.CertificateEvents, "serial"), signedIn)
	v1.POST("/admin/certificates/:serial/revoke", s.revokeCertificate, adminWrite...)

	v1.GET("/internships", s.listPlaces)
	v1.GET("/internships/:id", s.getPlace)
	v1.POST("/admin/internships", s.createPlace, adminWrite...)
	v1.PATCH("/admin/internships/:id", s.changePlace, adminWrite...)
	v1.POST("/internship-applications", s.submitInternship, submit...)
	v1.GET("/internship-applications", s.listInternshipApplications, signedIn, only(models.RoleApplicant, models.RoleAdmin))
	v1.GET("/internship-applications/:id", s.getInternshipApplication, signedIn)
	v1.GET("/internship-applications/:id/events", events(s.app.InternshipEvents, "id"), signedIn)
	v1.POST("/internship-applications/:id/accept", s.acceptOffer, submit...)
	v1.POST("/internship-applications/:id/decline", s.declineOffer, submit...)
	v1.POST("/admin/match-rounds", s.startMatchRound, adminWrite...)
	v1.GET("/admin/match-rounds", s.listMatchRounds, admin...)
	v1.GET("/admin/match-rounds/:id", s.getMatchRound, admin...)
	v1.GET("/admin/match-rounds/:id/events", events(s.app.MatchRoundEvents, "id"), admin...)

	v1.POST("/shops", s.submitShop, submit...)
	v1.GET("/shops/:id", s.getShop, signedIn)
	v1.GET("/shops/:id/events", events(s.app.ShopEvents, "id"), signedIn)
	v1.POST("/shops/:id/recheck", s.recheckShop, submit...)
	v1.POST("/admin/shops/:id/confirm", s.confirmShop, adminWrite...)

	v1.GET("/fund-programs", s.listFundPrograms)
	v1.GET("/fund-programs/:id", s.getFundProgram)
	v1.POST("/admin/fund-programs", s.createFundProgram, adminWrite...)
	v1.POST("/fund-applications", s.submitFundApplication, submit...)
	v1.GET("/fund-applications/:id", s.getFundApplication, signedIn)
	v1.GET("/fund-applications/:id/events", events(s.app.FundEvents, "id"), signedIn)
	v1.POST("/fund-applications/:id/withdraw", s.withdrawFundApplication, submit...)
	v1.POST("/fund-applications/:id/reviews", s.submitReview, signedIn, only(models.RoleReviewer), s.limitSubmissions)
	v1.GET("/reviews/assigned", s.assignedReviews, signedIn, only(models.RoleReviewer))
	v1.POST("/fund-applications/:id/conflict", s.declareConflict, signedIn, only(models.RoleReviewer), s.limitSubmissions)
	v1.GET("/admin/fund-programs/:id/ranking", s.programRanking, admin...)
	v1.GET("/fund-programs/:id/rubric", s.getRubric)
	v1.PUT("/admin/fund-programs/:id/rubric", s.setRubric, adminWrite...)

	v1.GET("/admin/stats", s.stats, admin...)

	// The admin workbench (issue 14): lists, exports, bulk actions, audit.
	v1.GET("/admin/students", adminList(s.app.AdminStudents), admin...)
	v1.GET("/admin/shops", adminList(s.app.AdminShops), admin...)
	v1.GET("/admin/fund-applications", adminList(s.app.AdminFundApplications), admin...)
	v1.GET("/admin/internship-applications", adminList(s.app.AdminInternshipApplications), admin...)
	v1.GET("/admin/certificates", adminList(s.app.AdminCertificates), admin...)
	v1.GET("/admin/reviewers", adminList(s.app.AdminReviewers), admin...)
	v1.GET("/admin/exports/:file", s.export, admin...)
	v1.GET("/admin/audit", s.audit, admin...)
	v1.POST("/admin/shops/bulk-confirm", s.bulkConfirmShops, adminWrite...)
	v1.POST("/admin/enrollments/import", s.importResults, adminWrite...)
}
