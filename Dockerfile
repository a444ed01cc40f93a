# campusbiz container image.
#
#   docker build -t campusbiz .
#   docker run --rm campusbiz migrate      # or serve (default), worker, seed
#
# Base images are pinned to exact releases, so that a rebuild does not pick up
# a different compiler or OS. To update them:
#   - golang: the release in go.mod's toolchain line (keep the two equal), e.g.
#     golang:1.26.10-bookworm after `go mod edit -toolchain=go1.26.10`;
#   - debian: the newest 12.x point release (https://www.debian.org/News/);
#   - distroless publishes no versioned tags, only digests: pin it by digest on a
#     machine that reaches the registry, `docker buildx imagetools inspect
#     gcr.io/distroless/static-debian12:nonroot`, then FROM ...:nonroot@sha256:<digest>.
#     (Not done yet: this project's build machine has no registry access.)
# then run `make compose-check` and rebuild.
#
# Build stage: dependencies are downloaded in their own layer (only go.mod and
# go.sum are copied first), so source edits do not re-download modules.
FROM golang:1.26.10-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/campusbiz ./cmd/campusbiz

# The certificate PDF draws Chinese names with a CJK TrueType font; the
# distroless image has none, so take Debian's from a slim stage.
FROM debian:12.12-slim AS fonts
RUN apt-get update && apt-get install -y --no-install-recommends fonts-droid-fallback && rm -rf /var/lib/apt/lists/*

# Runtime stage: static binary on distroless, running as uid/gid 65532
# (nonroot). No shell or curl in this image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/campusbiz /campusbiz
COPY --from=fonts /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
USER 65532:65532
EXPOSE 8080
ENV HTTP_ADDR=:8080
ENTRYPOINT ["/campusbiz"]
CMD ["serve"]
