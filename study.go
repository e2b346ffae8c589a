package imednet

import (
	"context"
	"strings"
)

type studyContextKey struct{}

// WithStudy returns a copy of ctx that carries a default study key. Calls that need a study
// and are given none explicitly use it; an explicit study key always wins. WithStudy(ctx, "")
// clears the default for calls made with the returned context.
//
// This is the Go form of the Python SDK's study context (set, get, reset and clear): a
// context is immutable, so "reset" is simply using the parent context again.
func WithStudy(ctx context.Context, studyKey string) context.Context {
	return context.WithValue(ctx, studyContextKey{}, strings.TrimSpace(studyKey))
}

// StudyFrom returns the default study key attached to ctx by [WithStudy], if any.
func StudyFrom(ctx context.Context) (string, bool) {
	key, _ := ctx.Value(studyContextKey{}).(string)
	return key, key != ""
}

// ResolveStudy returns explicit when it is not blank, otherwise the study attached to ctx,
// otherwise [ErrNoStudy].
func ResolveStudy(ctx context.Context, explicit string) (string, error) {
	if key := strings.TrimSpace(explicit); key != "" {
		return key, nil
	}
	if key, ok := StudyFrom(ctx); ok {
		return key, nil
	}
	return "", ErrNoStudy
}
