package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/org"
)

// runAcademySeed loads the built-in courses (or the course folders of
// --from) into a programme organisation. Loading again updates the content
// and keeps participants' work.
func runAcademySeed(ctx context.Context, e *env, args []string) error {
	var orgRef, from string
	a, err := open(ctx, e, "academy seed", args, func(fs *flag.FlagSet) {
		fs.StringVar(&orgRef, "org", "", "slug or id of the programme organisation that runs the courses (required)")
		fs.StringVar(&from, "from", "", "a folder of course folders in the seed format, instead of the built-in courses")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if orgRef == "" {
		return errors.New("--org is required: the programme organisation that runs the courses")
	}
	o, err := findOrg(ctx, a, orgRef)
	if err != nil {
		return err
	}
	if o.Kind != org.Programme {
		return fmt.Errorf("%s is a %s organisation: courses belong to a programme organisation", o.Slug, o.Kind)
	}
	var src = academy.Builtin()
	if from != "" {
		src = os.DirFS(from)
	}
	res, err := academy.SeedAll(ctx, a.DB, audit.CLI, o.ID, src)
	for _, r := range res {
		verb := "updated"
		if r.Created {
			verb = "created"
		}
		fmt.Fprintf(e.stdout, "%s course %s (id %d): %d modules, %d lessons", verb, r.Slug, r.CourseID, r.Modules, r.Lessons)
		if r.Retired > 0 {
			fmt.Fprintf(e.stdout, ", %d retired", r.Retired)
		}
		fmt.Fprintln(e.stdout)
	}
	return err
}

// runAcademyKeyRotate retires the key that signs certificates and starts
// signing with a new one. What the old key signed keeps verifying: its
// public key stays published in the DID document and the JWKS.
func runAcademyKeyRotate(ctx context.Context, e *env, args []string) error {
	a, err := open(ctx, e, "academy key rotate", args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	fragment, err := a.Academy.RotateSigningKey(ctx, audit.CLI)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "certificates are signed with #%s from now on; earlier keys stay published so that what they signed keeps verifying\n", fragment)
	return nil
}
