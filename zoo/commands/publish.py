"""``zoo publish``: upload a pretrained folder to the Hugging Face Hub in one commit."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="a pretrained folder (zoo export's --out)")
    parser.add_argument("--repo-id", help="org/name (default: the checkpoint's repo under HUB_ORG)")
    parser.add_argument("--revision", help="branch to commit to (default: main)")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument("--dry-run", action="store_true", help="print the files and the card; upload nothing")
    parser.add_argument("--token", help="Hub token (default: HF_TOKEN / the saved login); never printed")


def run(args: argparse.Namespace) -> int:
    from zoo.hub.constants import hub_repo_id
    from zoo.hub.folder import read_config
    from zoo.hub.publish import publish

    repo_id = args.repo_id or hub_repo_id(read_config(args.folder)["name"])
    publish(args.folder, repo_id, revision=args.revision, dry_run=args.dry_run, token=args.token,
            private=args.private or None)
    return 0
