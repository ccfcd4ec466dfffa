#!/usr/bin/python3
"""ImageNet-1k's classes for eval's synset-id folders: internal/imagenet/synsets.tsv.

ImageNet's validation set is laid out (by its devkit's valprep.sh, and so by
most copies) as one folder per class named by WordNet synset id
(n01440764/ for tench). A model file carries class names, not ids, so eval
needs the 1000 ids in class order, and each class's WordNet lemmas to check
that a model's labels are ImageNet-1k's in that order before it trusts the ids.

Source: timm (huggingface/pytorch-image-models, Apache-2.0), its files
  timm/data/_info/imagenet_synsets.txt         the 1000 ids in class order
  timm/data/_info/imagenet_synset_to_lemma.txt  id <TAB> lemmas, for every synset
The committed file was made from commit aa4b5850c1543fa488abf260f18390eda46cf85d.
The class order is ILSVRC-2012's: the ids sorted, which the script checks
(torchvision's ImageFolder numbers the folders of valprep.sh that way).

With --check-labels it also checks a timm config.json's label_names (such as
../shared/models/vit-tiny-in1k/config.json, the built-in model's source): each
must be one of its class's lemmas, or all of them as one string.

Run from the repo root, with timm installed or a checkout of it:
    /usr/bin/python3 scripts/gen_imagenet_synsets.py --info PATH/TO/timm/data/_info \
        [--check-labels ../shared/models/vit-tiny-in1k/config.json]
"""

import argparse
import json
import os
import re
import sys

OUT = "internal/imagenet/synsets.tsv"


def info_dir(arg):
    if arg:
        return arg
    import timm  # only for where its data files lie

    return os.path.join(os.path.dirname(timm.__file__), "data", "_info")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--info", help="timm's data/_info folder (default: the installed timm's)")
    ap.add_argument("--check-labels", help="a timm config.json whose label_names to check")
    ap.add_argument("--source", default="timm commit aa4b5850c1543fa488abf260f18390eda46cf85d",
                    help="what the header names as the source")
    args = ap.parse_args()
    d = info_dir(args.info)
    with open(os.path.join(d, "imagenet_synsets.txt")) as f:
        ids = f.read().split()
    lemmas = {}
    with open(os.path.join(d, "imagenet_synset_to_lemma.txt")) as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t", 1)
            lemmas[k] = v
    if len(ids) != 1000 or len(set(ids)) != 1000 or ids != sorted(ids):
        sys.exit("imagenet_synsets.txt: want 1000 distinct ids, sorted")
    for s in ids:
        if not re.fullmatch(r"n\d{8}", s) or s not in lemmas or "\t" in lemmas[s]:
            sys.exit(f"{s}: not a noun synset id with lemmas")
    if args.check_labels:
        with open(args.check_labels) as f:
            labels = json.load(f)["label_names"]
        for i, (s, l) in enumerate(zip(ids, labels, strict=True)):
            names = [x.strip().lower() for x in lemmas[s].split(",")]
            if l.lower() not in names and l.lower() != lemmas[s].lower():
                sys.exit(f"label {i} {l!r} is not a lemma of {s} ({lemmas[s]})")
        print(f"{args.check_labels}: all 1000 labels are their class's lemmas")
    with open(OUT, "w") as f:
        f.write("# ImageNet-1k (ILSVRC-2012) classes in class order: WordNet synset id <TAB> lemmas.\n")
        f.write(f"# Made by scripts/gen_imagenet_synsets.py from {args.source}\n")
        f.write("# (timm/data/_info/imagenet_synsets.txt and imagenet_synset_to_lemma.txt, Apache-2.0).\n")
        for s in ids:
            f.write(f"{s}\t{lemmas[s]}\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
