package imednet

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// catalogFixtureUser is the user of ExampleUsersList, field by field.
var catalogFixtureUser = User{
	UserID: "685253e1-1a95-4352-a7b0-4c62d3807727", Login: "wsmith1", FirstName: "William", LastName: "Smith",
	Email: "wsmith@mednet.com", UserActiveInStudy: true,
	Roles: []Role{
		{DateCreated: catalogRoleDate, DateModified: catalogRoleDate, RoleID: "6ec2a32b-143c-43d3-b562-9d902a61f884", CommunityID: 1,
			Name: "Role name 1", Description: "Role description 1", Level: 1, Type: "Role type 1", Inactive: false},
		{DateCreated: catalogRoleDate, DateModified: catalogRoleDate, RoleID: "6ec2a32b-143c-43d3-b562-9d902a61f884", CommunityID: 2,
			Name: "Role name 2", Description: "Role description 2", Level: 2, Type: "Role type 2", Inactive: false},
	},
}

// catalogRoleDate is when the roles of ExampleUsersList were created and modified.
var catalogRoleDate = Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 7, 625000000, time.UTC)}

func TestUsersIncludeInactiveAlwaysSentAndFilterRejected(t *testing.T) {
	c, api := newFakeAPI(t, serve(envelope()))
	ctx := t.Context()
	if _, err := c.Users.List(ctx, "S", nil); err != nil {
		t.Fatal(err)
	}
	catalogAll(t, c.Users.All(ctx, "S", &UserListOptions{ListOptions: ListOptions{PageSize: 7}}))
	catalogAll(t, c.Users.All(ctx, "S", &UserListOptions{IncludeInactive: true}))
	reqs := api.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	checkQuery(t, reqs[0].Query, url.Values{"page": {"0"}, "size": {"100"}, "includeInactive": {"false"}})
	checkQuery(t, reqs[1].Query, url.Values{"page": {"0"}, "size": {"7"}, "includeInactive": {"false"}})
	checkQuery(t, reqs[2].Query, url.Values{"page": {"0"}, "size": {"100"}, "includeInactive": {"true"}})

	c, api = newFakeAPI(t, serve(envelope()))
	for _, f := range []Filter{Eq("login", "wsmith1"), RawFilter("userId==x"), Eq("bad attr", 1)} {
		opts := &UserListOptions{ListOptions: ListOptions{Filter: f}}
		if _, err := c.Users.List(ctx, "S", opts); err == nil || !strings.Contains(err.Error(), "no filter") {
			t.Errorf("List with filter %q: %v", f, err)
		}
		if err := edcSeqErr(c.Users.All(ctx, "S", opts)); err == nil {
			t.Errorf("All with filter %q accepted", f)
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d rejected requests reached the server", n)
	}
}

func TestUserQuirksDecode(t *testing.T) {
	var u User
	err := json.Unmarshal([]byte(`{"userId":"685253E1-1A95-4352-A7B0-4C62D3807727","login":"wsmith1","firstName":null,
		"lastName":"","email":"w@x.org","userActiveInStudy":"false","phone":"555",
		"roles":{"dateCreated":"2025-06-05 21:12:07","dateModified":"2025-06-05T21:12:07.625Z","roleId":"r1",
			"communityId":"3","name":"CRA","description":null,"level":"2","type":"t","inactive":"1","scope":["a"]}}`), &u)
	if err != nil {
		t.Fatal(err)
	}
	want := User{UserID: "685253E1-1A95-4352-A7B0-4C62D3807727", Login: "wsmith1", Email: "w@x.org",
		Roles: []Role{{DateCreated: ts("2025-06-05 21:12:07"),
			DateModified: Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 7, 625e6, time.UTC)},
			RoleID:       "r1", CommunityID: 3, Name: "CRA", Level: 2, Type: "t", Inactive: true,
			Extra: Extra{"scope": json.RawMessage(`["a"]`)}}},
		Extra: Extra{"phone": json.RawMessage(`"555"`)}}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user\n got %+v\nwant %+v", u, want)
	}

	// Role dates: arrays of 3 to 7 integers, strings, null; a bad array is kept in Extra.
	dates := []struct {
		in   string
		want Timestamp
		kept bool
	}{
		{`[2025,6,5,21,12,7,625000000]`, Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 7, 625000000, time.UTC)}, false},
		{`[2025,6,5,21,12]`, Timestamp{Time: time.Date(2025, 6, 5, 21, 12, 0, 0, time.UTC)}, false},
		{`[2025,6,5]`, Timestamp{Time: time.Date(2025, 6, 5, 0, 0, 0, 0, time.UTC), DateOnly: true}, false},
		{`"2025-06-05 21:12:07"`, ts("2025-06-05 21:12:07"), false},
		{`null`, Timestamp{}, false},
		{`""`, Timestamp{}, false},
		{`[2025,13,5]`, Timestamp{}, true},
		{`["2025","6","5"]`, Timestamp{}, true},
		{`true`, Timestamp{}, true},
	}
	for _, tc := range dates {
		var r Role
		if err := json.Unmarshal([]byte(`{"dateCreated":`+tc.in+`}`), &r); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		_, kept := r.Extra["dateCreated"]
		if r.DateCreated != tc.want || kept != tc.kept {
			t.Errorf("dateCreated %s: %+v kept %v", tc.in, r.DateCreated, kept)
		}
	}

	for _, tc := range []struct {
		body  string
		roles int
		extra bool
	}{
		{`{}`, 0, false}, {`{"roles":null}`, 0, false}, {`{"roles":""}`, 0, false}, {`{"roles":[]}`, 0, false},
		{`{"roles":[{"name":"a"},{"name":"b"}]}`, 2, false}, {`{"roles":"admin"}`, 0, true}, {`{"roles":[1]}`, 0, true},
	} {
		var u User
		if err := json.Unmarshal([]byte(tc.body), &u); err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		_, inExtra := u.Extra["roles"]
		if len(u.Roles) != tc.roles || inExtra != tc.extra {
			t.Errorf("%s: roles %+v extra %v", tc.body, u.Roles, u.Extra)
		}
	}
}

func TestUsersGet(t *testing.T) {
	// Two pages, the wanted (inactive) user on the second, its id in other case; any filter
	// would be a bug.
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		if r.URL.Query().Get("page") == "0" {
			return 200, `{"metadata":{"status":"OK"},"pagination":{"currentPage":0,"size":500,"totalPages":2,"totalElements":2},
				"data":[{"userId":"u-1","login":"a","userActiveInStudy":true}]}`
		}
		return 200, `{"metadata":{"status":"OK"},"pagination":{"currentPage":1,"size":500,"totalPages":2,"totalElements":2},
			"data":[{"userId":"U-2","login":"b","userActiveInStudy":false}]}`
	})
	u, err := c.Users.Get(t.Context(), "S", "u-2")
	if err != nil || u.Login != "b" || u.UserActiveInStudy {
		t.Fatalf("user %+v err %v", u, err)
	}
	reqs := api.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		if r.Path != "/api/v1/edc/studies/S/users" {
			t.Errorf("path %s", r.Path)
		}
		checkQuery(t, r.Query, url.Values{"page": {itoa(i)}, "size": {"500"}, "includeInactive": {"true"}})
	}
	if u, err := c.Users.Get(t.Context(), "S", "u-1"); err != nil || u.Login != "a" {
		t.Errorf("first user %+v err %v", u, err)
	}

	c, _ = newFakeAPI(t, func(*http.Request) (int, string) {
		return 403, `{"metadata":{"status":"FORBIDDEN","error":{"code":"9001","description":"no rights"}}}`
	})
	if _, err := c.Users.Get(t.Context(), "S", "u-1"); !errors.Is(err, ErrForbidden) {
		t.Errorf("forbidden: %v", err)
	}
}
