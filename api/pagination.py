from typing import Any

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = "How many results a page holds (at most 200; 50 if unset)."
    max_page_size = 200

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        properties = described["properties"]
        properties["count"]["description"] = "How many results there are in all."
        properties["next"]["description"] = "The next page's address; null on the last."
        properties["previous"]["description"] = "The previous page's address; null on the first."
        properties["results"]["description"] = "This page's results."
        return described
