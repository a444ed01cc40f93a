package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// FuzzDecodeCreateAccount fuzzes the body of POST /admin/accounts: only
// reviewer and admin accounts can be made there, never an applicant.
func FuzzDecodeCreateAccount(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"email":"r@example.com","password":"a-long-password","name":"Reviewer","role":"reviewer","college_id":"01a21680-84eb-7300-acee-5ce8e5252057"}`))
	f.Add([]byte(`{"email":"r@example.com","password":"a-long-password","name":"R","role":"applicant"}`))
	f.Add([]byte(`{"email":"r@example.com","password":"a-long-password","name":"R","role":"admin","college_id":null}`))
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.StaffInput
		if !checkDecode(t, body, &in) {
			return
		}
		acct, err := env.app.CreateStaff(context.Background(), env.admin, in)
		if !checkUseCase(t, body, err, msg.AuthEmailTaken, msg.CollegeNotPartner) {
			return
		}
		if in.Role != models.RoleReviewer && in.Role != models.RoleAdmin {
			t.Fatalf("accepted role %q from %q", in.Role, body)
		}
		if err == nil && acct.Role != in.Role {
			t.Fatalf("created a %q account from %q", acct.Role, body)
		}
	})
}

// FuzzDecodeCreateCollege fuzzes the body of POST /admin/colleges: a
// college has one to ten e-mail domains.
func FuzzDecodeCreateCollege(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"name":"浙江大学","name_en":"Zhejiang University","province":"Zhejiang","email_domains":["zju.edu.cn"]}`))
	f.Add([]byte(`{"name":"X","province":"P","email_domains":["not a domain",""]}`))
	f.Add([]byte(`{"name":"X","province":"P","email_domains":[]}`))
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.CollegeInput
		if !checkDecode(t, body, &in) {
			return
		}
		col, err := env.app.CreateCollege(context.Background(), env.admin, in)
		if !checkUseCase(t, body, err, msg.CollegeNameTaken) {
			return
		}
		if len(in.EmailDomains) == 0 || len(in.EmailDomains) > 10 {
			t.Fatalf("accepted %d e-mail domains from %q", len(in.EmailDomains), body)
		}
		if err == nil && len(col.EmailDomains) != len(in.EmailDomains) {
			t.Fatalf("created %q with domains %v", body, col.EmailDomains)
		}
	})
}

// FuzzDecodeConfirmShop fuzzes the body of POST /admin/shops/{id}/confirm
// and the rule the use case adds: a rejection needs a reason. The shop is
// unknown, so an input that validates is a 404.
func FuzzDecodeConfirmShop(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"verified":true}`))
	f.Add([]byte(`{"verified":false,"reason":"the code is not on the page"}`))
	f.Add([]byte(`{"verified":false}`))
	f.Add([]byte(`{"verified":null,"reason":"x"}`))
	f.Add([]byte(`{"verified":"yes"}`))
	env := newFuzzEnv(f)
	unknown := models.NewID()
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.ConfirmShopInput
		if !checkDecode(t, body, &in) {
			return
		}
		_, err := env.app.ConfirmShop(context.Background(), env.admin, unknown, in)
		validated := checkUseCase(t, body, err, msg.ErrorNotFound)
		if in.Verified != nil && !*in.Verified && strings.TrimSpace(in.Reason) == "" {
			if p := problem(err); validated || p.Status != http.StatusUnprocessableEntity || p.Fields["reason"].IsZero() {
				t.Fatalf("a rejection without a reason passed: %q (%v)", body, err)
			}
		}
		if validated && in.Verified == nil {
			t.Fatalf("a decision without verified passed: %q", body)
		}
	})
}
