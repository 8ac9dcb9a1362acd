# Build and run supportd; used by docker-compose.yml.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/supportd ./cmd/supportd

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 supportd
COPY --from=build /out/supportd /usr/local/bin/supportd
COPY goldenset /app/goldenset
WORKDIR /app
USER supportd
EXPOSE 8080
ENTRYPOINT ["supportd"]
CMD ["serve"]
