package i18n

import (
	"maps"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// The timeline's notes and the notifications, in each language.
var (
	enTimeline = map[string]string{
		msg.FundScreened:                  "Screening scored the application {score} of 100 and assigned {reviewers} reviewers; reviews are due by {due:time}.",
		msg.FundReviewsReassigned:         "{late} reviews missed their deadline: {moved} went to other reviewers and {extended} kept with the deadline extended; reviews are now due by {due:time}.",
		msg.FundGrantReserved:             "{amount:money} is reserved for you.",
		msg.FundPromoted:                  "Money was released and you were next on the waitlist.",
		msg.FundPaid:                      "{amount:money} was paid, reference {reference}.",
		msg.FundReviewReceived:            "Review {received} of {total} is in.",
		msg.CertificateIssued:             "Certificate {serial} was issued; anyone can verify it at {url}.",
		msg.CertificateRevokedBecause:     "The certificate was revoked: {reason}",
		msg.RoundDone:                     "The round offered {matched} of {applicants} applicants a place among {places} open places; {unmatched} take part in the next round.",
		msg.RoundFailed:                   "The round could not run; the programme office was alerted.",
		msg.InternshipOfferMade:           "You are offered {place} (your choice {rank}). Accept or decline it by {expires:time}; after that it lapses and the place goes back to the next round.",
		msg.InternshipNoOffer:             "No offer in this round: every place you ranked was filled by applicants with higher scores, or was closed. You stay in the next round; your application explains each place.",
		msg.InternshipOfferExpired:        "The offer was not answered in time and has lapsed; the place goes back to the next round. You may apply again.",
		msg.InternshipWaiting:             "Waiting for the next matching round.",
		msg.InternshipDeclinedByApplicant: "You declined the offer; the place goes back to the next round.",
		msg.InternshipAcceptedByApplicant: "You accepted the offer.",
		msg.TrainingPassed:                "You scored {score} of {max} (the pass score is {pass}); your certificate is being issued.",
		msg.NoticeStateChanged:            "Your {entity:entity} is now {state:state}.",
		msg.NoticeReviewAssigned:          "A fund application awaits your review, due by {due:time}.",
	}
	zhTimeline = map[string]string{
		msg.FundScreened:                  "初审完成：系统评分 {score}/100，已分配 {reviewers} 位评审，评审截止时间 {due:time}。",
		msg.FundReviewsReassigned:         "{late} 份评审已超过截止时间：{moved} 份已转交其他评审，{extended} 份延长期限；评审现截止于 {due:time}。",
		msg.FundGrantReserved:             "已为您预留 {amount:money}。",
		msg.FundPromoted:                  "有资金释放，您在候补名单中排在最前。",
		msg.FundPaid:                      "已发放 {amount:money}，流水号 {reference}。",
		msg.FundReviewReceived:            "已收到第 {received} 份评审（共 {total} 份）。",
		msg.CertificateIssued:             "证书 {serial} 已颁发，任何人都可以在 {url} 验证。",
		msg.CertificateRevokedBecause:     "证书已被撤销：{reason}",
		msg.RoundDone:                     "本轮匹配：{applicants} 位申请人中有 {matched} 位获得录用，共 {places} 个开放岗位；其余 {unmatched} 位参加下一轮。",
		msg.RoundFailed:                   "本轮匹配未能运行，已通知项目办公室。",
		msg.InternshipOfferMade:           "您获得了 {place} 的录用（第 {rank} 志愿）。请在 {expires:time} 前接受或拒绝；逾期录用失效，岗位回到下一轮。",
		msg.InternshipNoOffer:             "本轮未获录用：您填报的岗位均已被分数更高的申请人录满，或已关闭。您将参加下一轮，申请详情中有每个岗位的说明。",
		msg.InternshipOfferExpired:        "录用未在期限内答复，已失效；岗位回到下一轮。您可以重新申请。",
		msg.InternshipWaiting:             "等待下一轮匹配。",
		msg.InternshipDeclinedByApplicant: "您已拒绝录用，岗位回到下一轮。",
		msg.InternshipAcceptedByApplicant: "您已接受录用。",
		msg.TrainingPassed:                "您的成绩为 {score}/{max}（及格线 {pass}），证书正在颁发。",
		msg.NoticeStateChanged:            "您的{entity:entity}现在的状态是：{state:state}。",
		msg.NoticeReviewAssigned:          "有一份基金申请等待您评审，截止时间 {due:time}。",
	}
	// entityNames name each workflow, in a sentence, per language.
	entityNames = map[Lang]map[string]string{
		EN: {"onboarding": "student verification", "shop": "shop verification", "fund": "fund application",
			"internship": "internship application", "enrollment": "course enrollment", "certificate": "certificate",
			"dispute": "student number dispute"},
		ZH: {"onboarding": "学生认证", "shop": "网店认证", "fund": "基金申请",
			"internship": "实习申请", "enrollment": "课程报名", "certificate": "证书",
			"dispute": "学号申诉"},
	}
)

func init() {
	maps.Copy(catalogs[EN], enTimeline)
	maps.Copy(catalogs[ZH], zhTimeline)
}

// Entity names a workflow ("fund") in the printer's language.
func (p Printer) Entity(entity string) string {
	if s, ok := entityNames[p.Lang()][entity]; ok {
		return s
	}
	return entity
}

// Reason renders a stored reason; one written before codes, whose code
// has no sentence, shows its stored English text.
func (p Printer) Reason(r models.Reason) string {
	if r.Legacy != "" && !p.Has(r.Code) {
		return r.Legacy
	}
	return p.Render(msg.Message{Code: r.Code, Params: r.Params})
}

// Reasons renders reasons, each a sentence, joined the language's way.
func (p Printer) Reasons(reasons []models.Reason) string {
	parts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		parts = append(parts, p.Reason(r))
	}
	return p.Sentences(parts)
}

// Sentences joins whole sentences the language's way: with a space in
// English, directly in Chinese.
func (p Printer) Sentences(sentences []string) string {
	return strings.Join(sentences, p.sentenceSep())
}

// sentenceSep is what stands between two sentences: a space in English,
// nothing in Chinese.
func (p Printer) sentenceSep() string {
	if p.Lang() == ZH {
		return ""
	}
	return " "
}

// Notification is the title and body of an in-app notification (and of
// its e-mail): its code rendered, then its event's reasons. A notification
// written before codes keeps its stored English text.
func (p Printer) Notification(n models.Notification, reasons []models.Reason) (title, body string) {
	if n.Code == "" {
		return n.Title, n.Body
	}
	body = p.Render(msg.Message{Code: n.Code, Params: n.Params})
	if more := p.Reasons(reasons); more != "" {
		body += p.sentenceSep() + more
	}
	title = body
	if n.Code == msg.NoticeStateChanged {
		entity, _ := n.Params["entity"].(string)
		state, _ := n.Params["state"].(string)
		title = p.Entity(entity) + p.titleSep() + p.State(state)
	}
	return title, body
}

func (p Printer) titleSep() string {
	if p.Lang() == ZH {
		return "："
	}
	return ": "
}
