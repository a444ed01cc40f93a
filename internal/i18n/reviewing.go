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
		msg.FundRubricIncomplete:   "score each of the programme's {criteria} criteria once",
		msg.FundRubricOrScore:      "send either the criteria's points or, on the default rubric, a score, not both",
		msg.FundCriterionUnknown:   "{criterion_id} is not a criterion of this programme",
		msg.FundCriterionPoints:    "{criterion} takes 0 to {max} points",
		msg.FundRubricReviewed:     "The rubric cannot change once a review of the programme is in.",
	}
	zhReviewing = map[string]string{
		msg.FundConflictDeclared:   "您已就此申请声明利益冲突。",
		msg.FundConflictReassigned: "一位评审声明了利益冲突，申请已转交另一位评审。",
		msg.FundConflictUnreplaced: "一位评审声明了利益冲突，暂无其他评审可接手；申请将依据其余评审决定。",
		msg.FundRubricIncomplete:   "请为本项目的 {criteria} 项评分标准各评一次分",
		msg.FundRubricOrScore:      "请提交各项标准的得分，或在默认标准下提交总分，二者不可同时提交",
		msg.FundCriterionUnknown:   "{criterion_id} 不是本项目的评分标准",
		msg.FundCriterionPoints:    "{criterion} 的得分须在 0 到 {max} 之间",
		msg.FundRubricReviewed:     "项目已有评审意见，评分标准不能再修改。",
	}
)

func init() {
	maps.Copy(catalogs[EN], enReviewing)
	maps.Copy(catalogs[ZH], zhReviewing)
}
