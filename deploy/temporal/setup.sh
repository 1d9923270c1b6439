#!/bin/sh
# Prepares the namespace Vigil runs in: creates it when missing and registers the custom search
# attributes the case workflows set. Safe to run on every start.
set -eu

address=${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_NAMESPACE_RETENTION:-720h}

# The frontend accepts connections before the whole cluster serves requests, and a namespace or
# search attribute that was just written reaches the frontend's caches a few seconds later.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 60 ]; then
      echo "gave up after $attempt attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

cluster_serving() {
  temporal operator cluster health --address "$address" >/dev/null 2>&1
}

namespace_exists() {
  temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1
}

ensure_namespace() {
  namespace_exists && return 0
  if ! out=$(temporal operator namespace create --address "$address" --namespace "$namespace" \
    --retention "$retention" 2>&1); then
    case $out in
      *"already exists"*) ;;
      *) echo "$out" >&2; return 1 ;;
    esac
  fi
  namespace_exists
}

has_search_attribute() {
  temporal operator search-attribute list --address "$address" --namespace "$namespace" 2>/dev/null \
    | awk -v name="$1" -v type="$2" '$1 == name && $2 == type { found = 1 } END { exit !found }'
}

ensure_search_attribute() {
  has_search_attribute "$1" "$2" && return 0
  if ! out=$(temporal operator search-attribute create --address "$address" --namespace "$namespace" \
    --name "$1" --type "$2" 2>&1); then
    echo "$out" >&2
    case $out in
      *"different type"*) exit 1 ;;
    esac
    return 1
  fi
  has_search_attribute "$1" "$2"
}

retry cluster_serving
retry ensure_namespace
echo "namespace $namespace is ready"

retry ensure_search_attribute VigilIdentity Keyword
retry ensure_search_attribute VigilExceptionKind Keyword
retry ensure_search_attribute VigilSeverity Keyword
retry ensure_search_attribute VigilCaseStatus Keyword
echo "search attributes of $namespace are registered"
