# campusbiz container image.
#
#   docker build -t campusbiz .
#   docker run --rm campusbiz migrate      # or serve (default), worker, seed
#
# Build stage: dependencies are downloaded in their own layer (only go.mod and
# go.sum are copied first), so source edits do not re-download modules.
FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/campusbiz ./cmd/campusbiz

# The certificate PDF draws Chinese names with a CJK TrueType font; the
# distroless image has none, so take Debian's from a slim stage.
FROM debian:12-slim AS fonts
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
