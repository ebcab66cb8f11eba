// The catalogue's HTTP routes:
//   PUT    /v1/items/{id}  (admin)      one item; 200 with the stored item
//   POST   /v1/items       (admin)      a JSON array of items; the valid ones
//                                       are stored, the others reported by
//                                       index with field and reason
//   DELETE /v1/items/{id}  (admin)      204, or 404 for an unknown item
//   GET    /v1/items/{id}  (recommend)  the item, or 404
// A log that cannot be written answers 503 and applies nothing.
#pragma once

#include "catalog/catalog.h"
#include "core/status.h"
#include "server/http_service.h"

namespace nba {

// `catalog` must outlive the service.
Status AddCatalogRoutes(Catalog* catalog, HttpService* service);

}  // namespace nba
