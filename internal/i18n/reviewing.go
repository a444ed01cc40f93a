package i18n

import (
	"maps"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// The reviewer's workbench messages, in each language.
var (
	enReviewing = map[string]string{
		msg.FundConflictDeclared:   "You have already declared a conflict of interest with this application.",
		msg.FundConflictReassigned: "A reviewer declared a conflict of interest; another reviewer took the application over.",
		msg.FundConflictUnreplaced: "A reviewer declared a conflict of interest and no other reviewer was free; the application is decided on the other reviews.",
	}
	zhReviewing = map[string]string{
		msg.FundConflictDeclared:   "您已就此申请声明利益冲突。",
		msg.FundConflictReassigned: "一位评审声明了利益冲突，申请已转交另一位评审。",
		msg.FundConflictUnreplaced: "一位评审声明了利益冲突，暂无其他评审可接手；申请将依据其余评审决定。",
	}
)

func init() {
	maps.Copy(catalogs[EN], enReviewing)
	maps.Copy(catalogs[ZH], zhReviewing)
}
