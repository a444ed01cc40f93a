package web

import (
	"net/http"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/labstack/echo/v4"
)

// Languages of the pages.
const (
	LangZH = string(i18n.ZH)
	LangEN = string(i18n.EN)
)

// langCookie remembers the language a visitor switched to.
const langCookie = "campusbiz_lang"

const ctxLang = "web.lang"

// ChooseLanguage picks the page language: an explicit choice (the ?lang=
// switch or its cookie) first, then the best of zh and en in the
// Accept-Language header by quality, then Chinese.
func ChooseLanguage(choice, acceptLanguage string) string {
	if choice == LangZH || choice == LangEN {
		return choice
	}
	return string(i18n.Negotiate(acceptLanguage, i18n.ZH))
}

// language stores the request's language; ?lang= switches it and is
// remembered in a cookie.
func (s *site) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		choice := c.QueryParam("lang")
		if choice == LangZH || choice == LangEN {
			c.SetCookie(&http.Cookie{Name: langCookie, Value: choice, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
		} else if ck, err := c.Cookie(langCookie); err == nil {
			choice = ck.Value
		}
		c.Set(ctxLang, ChooseLanguage(choice, c.Request().Header.Get("Accept-Language")))
		c.Response().Header().Add("Vary", "Accept-Language, Cookie")
		return next(c)
	}
}
