package api

import (
	"errors"
	"net/http"
	"testing"
)

// FuzzDecodeCreateAccount fuzzes the body of POST /admin/accounts: only
// reviewer and admin accounts can be made there, never an applicant.
func FuzzDecodeCreateAccount(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"email":"r@example.com","password":"a-long-password","name":"Reviewer","role":"reviewer","college_id":"01a21680-84eb-7300-acee-5ce8e5252057"}`))
	f.Add([]byte(`{"email":"r@example.com","password":"a-long-password","name":"R","role":"applicant"}`))
	f.Add([]byte(`{"email":"r@example.com","password":"a-long-password","name":"R","role":"admin","college_id":null}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req CreateAccountRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &CreateAccountRequest{}) == nil && req.Role != "reviewer" && req.Role != "admin" {
			t.Fatalf("accepted role %q from %q", req.Role, body)
		}
	})
}

// FuzzDecodeCreateCollege fuzzes the body of POST /admin/colleges.
func FuzzDecodeCreateCollege(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"name":"浙江大学","name_en":"Zhejiang University","province":"Zhejiang","email_domains":["zju.edu.cn"]}`))
	f.Add([]byte(`{"name":"X","province":"P","email_domains":["not a domain",""]}`))
	f.Add([]byte(`{"name":"X","province":"P","email_domains":[]}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req CreateCollegeRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &CreateCollegeRequest{}) == nil && (len(req.EmailDomains) == 0 || len(req.EmailDomains) > 10) {
			t.Fatalf("accepted %d e-mail domains from %q", len(req.EmailDomains), body)
		}
	})
}

// FuzzDecodeConfirmShop fuzzes the body of POST /admin/shops/{id}/confirm
// and the rule the handler adds: a rejection needs a reason.
func FuzzDecodeConfirmShop(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"verified":true}`))
	f.Add([]byte(`{"verified":false,"reason":"the code is not on the page"}`))
	f.Add([]byte(`{"verified":false}`))
	f.Add([]byte(`{"verified":null,"reason":"x"}`))
	f.Add([]byte(`{"verified":"yes"}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req ConfirmShopRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &ConfirmShopRequest{}) != nil {
			return
		}
		err := req.check()
		if !*req.Verified && req.Reason == "" {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != http.StatusUnprocessableEntity || ae.fields["reason"].IsZero() {
				t.Fatalf("a rejection without a reason passed: %q (%v)", body, err)
			}
		} else if err != nil {
			t.Fatalf("check refused %q: %v", body, err)
		}
	})
}
