package web

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

// Languages of the pages.
const (
	LangZH = "zh"
	LangEN = "en"
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
	best, bestQ := LangZH, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q = parseQ(v)
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if (primary == LangZH || primary == LangEN) && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// parseQ reads an HTTP quality value ("0.8"); anything else counts as 0.
func parseQ(v string) float64 {
	q, scale, seenDot := 0.0, 1.0, false
	for _, r := range v {
		switch {
		case r == '.' && !seenDot:
			seenDot = true
		case r >= '0' && r <= '9':
			if seenDot {
				scale /= 10
				q += float64(r-'0') * scale
			} else {
				q = q*10 + float64(r-'0')
			}
		default:
			return 0
		}
	}
	if q > 1 {
		return 0
	}
	return q
}

// language stores the request's language; ?lang= switches it and is
// remembered in a cookie.
func (s *site) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		choice := c.QueryParam("lang")
		if choice == LangZH || choice == LangEN {
			c.SetCookie(&http.Cookie{Name: langCookie, Value: choice, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.kit.SecureCookies(), SameSite: http.SameSiteLaxMode})
		} else if ck, err := c.Cookie(langCookie); err == nil {
			choice = ck.Value
		}
		c.Set(ctxLang, ChooseLanguage(choice, c.Request().Header.Get("Accept-Language")))
		c.Response().Header().Add("Vary", "Accept-Language, Cookie")
		return next(c)
	}
}

// zhMessages turns the API's English field messages into Chinese; the
// first pattern that matches wins.
var zhMessages = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^is required$`), "必填"},
	{regexp.MustCompile(`^must be an e-mail address$`), "须为电子邮件地址"},
	{regexp.MustCompile(`^must be an id from this API$`), "须为本系统中的选项"},
	{regexp.MustCompile(`^must be at least (\d+) characters$`), "至少 $1 个字符"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "最多 $1 个字符"},
	{regexp.MustCompile(`^must have at least (\d+) items$`), "至少选择 $1 项"},
	{regexp.MustCompile(`^must have at most (\d+) items$`), "最多选择 $1 项"},
	{regexp.MustCompile(`^must be at least (-?[\d.]+)$`), "不能小于 $1"},
	{regexp.MustCompile(`^must be at least (\d+): offers hold that many seats$`), "不能少于 $1：已有录用占用这些名额"},
	{regexp.MustCompile(`^send status, capacity or both$`), "请填写名额、状态或两者"},
	{regexp.MustCompile(`^must be at most (-?[\d.]+)$`), "不能大于 $1"},
	{regexp.MustCompile(`^must be one of: (.+)$`), "须为以下之一：$1"},
	{regexp.MustCompile(`^must be a mainland mobile number such as (\d+)$`), "须为中国大陆手机号，例如 $1"},
	{regexp.MustCompile(`^must be an http\(s\) URL$`), "须为 http(s) 网址"},
	{regexp.MustCompile(`^contains characters that are not allowed$`), "含有不允许的字符"},
	{regexp.MustCompile(`^must be a whole number$`), "须为整数"},
	{regexp.MustCompile(`^must be a number$`), "须为数字"},
	{regexp.MustCompile(`^must be a list$`), "须为列表"},
	{regexp.MustCompile(`^must be true or false$`), "须为是或否"},
	{regexp.MustCompile(`^is not a known field$`), "不是可识别的字段"},
	{regexp.MustCompile(`^is already registered$`), "已被注册"},
	{regexp.MustCompile(`^is not a partner college.*$`), "不是合作院校，请从列表中选择"},
	{regexp.MustCompile(`^is not a college id.*$`), "不是院校编号，请从列表中选择"},
	{regexp.MustCompile(`^must be an amount in yuan such as ([\d.]+)$`), "须为以元为单位的金额，例如 $1"},
	{regexp.MustCompile(`^must be an amount from ([\d.]+) to (\d+) yuan$`), "金额须在 $1 元到 $2 元之间"},
	{regexp.MustCompile(`^item (\d+) lists a place already ranked.*$`), "第 $1 志愿与前面的志愿重复，每个岗位只能选一次"},
	{regexp.MustCompile(`^item (\d+) is not an open internship place.*$`), "第 $1 志愿不是开放中的岗位，请从列表中选择"},
	{regexp.MustCompile(`^must list 1 to (\d+) places$`), "须选择 1 到 $1 个岗位"},
	{regexp.MustCompile(`^is required when verified is false.*$`), "拒绝时须说明原因，告诉学生需修改之处"},
	{regexp.MustCompile(`^is not a certificate serial$`), "不是证书编号"},
	{regexp.MustCompile(`^must not be blank$`), "不能为空"},
	{regexp.MustCompile(`^must be an RFC 3339 time.*$`), "须为有效的日期时间"},
	{regexp.MustCompile(`^must be after opens_at$`), "须晚于开始时间"},
	{regexp.MustCompile(`^must not be more than budget_fen$`), "不能超过预算"},
	{regexp.MustCompile(`^must not be more than reviewers_per_application$`), "不能超过每份申请的评审人数"},
	{regexp.MustCompile(`^a course with this title exists$`), "已有同名课程"},
	{regexp.MustCompile(`^is not a fund programme.*$`), "不是基金项目，请从列表中选择"},
	{regexp.MustCompile(`^is not one of your shops.*$`), "不是您的网店，请先绑定"},
}

// Message is msg, an API field message, in lang; messages without a
// translation stay in English.
func Message(lang, msg string) string {
	if lang != LangZH {
		return msg
	}
	for _, m := range zhMessages {
		if m.re.MatchString(msg) {
			return m.re.ReplaceAllString(msg, m.zh)
		}
	}
	return msg
}
