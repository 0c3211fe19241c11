"""Demo people: deputies, street office staff, unit staff, council members, residents."""
from __future__ import annotations

DEMO_PASSWORD = "minyi-demo"

# street code -> deputies (the seed's 严民强 sits for 湖滨)
DEPUTIES = {
    "hubin": ["严民强", "周立群"],
    "kaixuan": ["陈海燕", "王建国"],
    "caihe": ["李春梅", "赵志刚"],
    "qingbo": ["孙丽华"],
    "xiaoying": ["钱文博"],
    "wangjiang": ["吴晓东"],
}
OFFICE_STAFF = {
    "hubin": "胡敏", "kaixuan": "徐芳", "caihe": "蔡静", "qingbo": "张华", "xiaoying": "刘洋", "wangjiang": "郑磊",
}
COUNCIL_MEMBERS = {"kaixuan": ["张秀英"], "hubin": ["林国平"], "caihe": ["何美玲"]}
RESIDENTS = {
    "hubin": ["章小平", "沈建华", "马丽"],
    "kaixuan": ["朱伟", "杨帆", "许婷"],
    "caihe": ["黄磊", "高洁"],
    "qingbo": ["罗明"],
    "xiaoying": ["梁静"],
    "wangjiang": ["宋佳"],
}
DISTRICT_STAFF = ["张梦月"]
# More staff of a unit, besides its first account (the unit's head): (street code, unit suffix) -> (name, username)
UNIT_STAFF = {("hubin", "综合行政执法队"): [("王小明", "hubin-enforcement2")]}

PROBLEMS = [
    "祖庙巷51号小区内绿化枯萎需要补种",
    "凤起东路行人经常横穿马路，车辆多速度快，存在交通安全隐患",
    "小区门口路灯坏了一个多星期，晚上出行不安全",
    "楼下餐馆油烟很大，晚上噪音扰民",
    "人行道井盖破损，老人容易绊倒",
    "菜市场有商家卖过期食品",
    "小区垃圾清运不及时，环境卫生差",
    "路口红绿灯时间太短，老人过街来不及",
    "有人在楼顶违建搭建阳光房",
    "公园座椅破损，希望维修",
    "夜间施工噪音太大，影响休息",
    "道路坑洼积水，电动车容易滑倒",
    "小区树木长得太高遮挡采光，需要修剪",
    "无障碍坡道被车辆占用",
    "路边乱停车严重，消防通道被堵",
]
FEEDBACK = [
    "已安排人员现场处理完毕，附整改照片。",
    "经核实，问题已整改到位，感谢您的反映。",
    "已联系相关部门完成维修，后续将加强巡查。",
]
