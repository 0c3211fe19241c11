"""Shangcheng District reference data: streets, communities, units on the four platforms, categories."""
from __future__ import annotations

from server.places.rules import Platform

# (code, name, communities)
STREETS = [
    ("hubin", "湖滨街道", ["岳王路社区", "东坡路社区", "青年路社区"]),
    ("kaixuan", "凯旋街道", ["凤起东路社区", "景芳社区", "南肖埠社区"]),
    ("caihe", "采荷街道", ["芙蓉社区", "双菱社区", "洁莲社区"]),
    ("qingbo", "清波街道", ["劳动路社区", "清河坊社区"]),
    ("xiaoying", "小营街道", ["小营巷社区", "大学路社区"]),
    ("wangjiang", "望江街道", ["近江社区", "始版桥社区"]),
]

# Per-street units: (suffix, platform)
STREET_UNITS = [
    ("公共管理办公室", Platform.governance),
    ("综合行政执法队", Platform.enforcement),
    ("市场监管所", Platform.market),
    ("便民服务中心", Platform.services),
]
DISTRICT_UNITS = [("上城交警大队", Platform.governance)]

# (code, name, platform, keywords, unit: a street-unit suffix or a district unit's name)
FALLBACK_CATEGORY = "other"
# Keywords are matched without regard to case, so English and mixed texts find their category too.
CATEGORIES = [
    ("greenery", "城市管理·绿化环境", Platform.governance,
     "绿化,枯萎,补种,树木,草坪,垃圾,环境,卫生,保洁,tree,trees,grass,garbage,trash,rubbish,litter,dirty",
     "公共管理办公室"),
    ("traffic", "交通安全", Platform.governance,
     "交通,马路,横穿,斑马线,红绿灯,隔离栏,停车,车辆,过街,traffic,crossing,parking,parked,car,cars,"
     "zebra,jaywalk", "上城交警大队"),
    ("facilities", "公共设施", Platform.services,
     "路灯,井盖,电梯,道路,破损,坑洼,设施,座椅,无障碍,streetlight,street light,lamp,manhole,elevator,lift,"
     "pothole,bench,sidewalk,pavement,broken,wheelchair", "便民服务中心"),
    ("enforcement", "违建与噪音", Platform.enforcement,
     "违建,搭建,噪音,扰民,占道,油烟,夜间施工,noise,noisy,loud,construction,illegal building", "综合行政执法队"),
    ("market", "市场秩序与食品安全", Platform.market,
     "食品,商家,价格,过期,餐馆,市场,卫生许可,food,expired,restaurant,shop,price,market", "市场监管所"),
    # No keyword matched: the street office re-classifies it when it triages.
    (FALLBACK_CATEGORY, "其他（待街道研判分类）", Platform.governance, "", "公共管理办公室"),
]
