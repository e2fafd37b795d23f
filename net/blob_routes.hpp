#pragma once

#include <memory>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/config.hpp"
#include "net/http_request.hpp" // is_blob_upload, is_blob_download
#include "net/io.hpp"

// Attachments over HTTP (docs/protocol.md §6): POST /v1/blobs?name= streams the
// body into the blob store chunk by chunk, GET /v1/blobs/<id> streams it back out.
// Each takes over the connection and closes it after its response.
namespace parley::net {

/// Serves an upload whose request header `header` has been read (and nothing of its
/// body, apart from what `buffer` may already hold).
void serve_blob_upload(
    tcp_stream stream, boost::beast::flat_buffer buffer,
    boost::beast::http::request_parser<boost::beast::http::string_body>&& header,
    std::shared_ptr<net_context> ctx);

/// Serves a download request.
void serve_blob_download(tcp_stream stream,
                         boost::beast::http::request<boost::beast::http::string_body> req,
                         std::shared_ptr<net_context> ctx);

} // namespace parley::net
