from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from core.models import Sector


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["id", "code", "name", "centroid_latitude", "centroid_longitude"]


class SectorViewSet(viewsets.ReadOnlyModelViewSet):
    """The city's districts. Public: they locate nothing but a district."""

    queryset = Sector.objects.all()
    serializer_class = SectorSerializer
    permission_classes = [AllowAny]
    pagination_class = None
