#include "catalog/catalog_routes.h"

#include <vector>

namespace nba {
namespace {

Response Unwritable(const Status& s) { return ErrorResponse(503, "unavailable", "catalogue log: " + s.message()); }

Response PutItem(Catalog* catalog, const Request& req) {
  const std::string id = *req.PathParam("id");
  if (Status s = ValidateItemId(id); !s.ok()) return ErrorResponse(400, "invalid_item", s.message(), "id");
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return ErrorResponse(400, "malformed_json", "body is not valid JSON");
  Item item;
  std::string field;
  if (Status s = ParseItem(j, id, &item, &field); !s.ok()) {
    return ErrorResponse(400, "invalid_item", s.message(), field);
  }
  if (Status s = catalog->Put({&item, 1}); !s.ok()) return Unwritable(s);
  return Response::Json(200, ItemToJson(item).dump());
}

Response PostItems(Catalog* catalog, const Request& req) {
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return ErrorResponse(400, "malformed_json", "body is not valid JSON");
  if (!j.is_array()) return ErrorResponse(400, "invalid_items", "body must be a JSON array of items", "body");
  if (j.empty()) return ErrorResponse(400, "invalid_items", "empty batch", "body");
  std::vector<Item> items;
  nlohmann::json errors = nlohmann::json::array();
  for (size_t i = 0; i < j.size(); ++i) {
    Item item;
    std::string field;
    if (Status s = ParseItem(j[i], "", &item, &field); !s.ok()) {
      errors.push_back({{"index", i}, {"field", field}, {"reason", s.message()}});
    } else {
      items.push_back(std::move(item));
    }
  }
  if (Status s = catalog->Put(items); !s.ok()) return Unwritable(s);
  nlohmann::json body = {{"accepted", items.size()}, {"errors", errors}};
  return Response::Json(items.empty() ? 400 : 200, body.dump());
}

Response DeleteItem(Catalog* catalog, const Request& req) {
  Status s = catalog->Delete(*req.PathParam("id"));
  if (s.code() == Status::Code::kNotFound) return ErrorResponse(404, "not_found", s.message(), "id");
  if (!s.ok()) return Unwritable(s);
  return Response::Json(204, "");
}

Response GetItem(const Catalog* catalog, const Request& req) {
  Item item;
  if (!catalog->Get(*req.PathParam("id"), &item)) {
    return ErrorResponse(404, "not_found", "no item '" + *req.PathParam("id") + "'", "id");
  }
  return Response::Json(200, ItemToJson(item).dump());
}

}  // namespace

Status AddCatalogRoutes(Catalog* catalog, HttpService* service) {
  NBA_RETURN_IF_ERROR(service->AddRoute("PUT", "/v1/items/{id}", Scope::kAdmin,
                                        [catalog](const Request& r) { return PutItem(catalog, r); }));
  NBA_RETURN_IF_ERROR(service->AddRoute("POST", "/v1/items", Scope::kAdmin,
                                        [catalog](const Request& r) { return PostItems(catalog, r); }));
  NBA_RETURN_IF_ERROR(service->AddRoute("DELETE", "/v1/items/{id}", Scope::kAdmin,
                                        [catalog](const Request& r) { return DeleteItem(catalog, r); }));
  NBA_RETURN_IF_ERROR(service->AddRoute("GET", "/v1/items/{id}", Scope::kRecommend,
                                        [catalog](const Request& r) { return GetItem(catalog, r); }));
  service->readiness().AddCheck("catalogue", [catalog] { return catalog->Health(); });
  return Status::Ok();
}

}  // namespace nba
