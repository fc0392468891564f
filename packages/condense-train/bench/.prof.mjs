import * as tf from '@tensorflow/tfjs-core';
import { geometryForInput, resolveConfig } from '@condensenet/core';
import { buildCondenseNet } from '@condensenet/layers';
import { Sgd, selectBackend, trainStep, trainableFromLayersModel } from '../dist/index.js';
const n=Number(process.env.N??64);
const backend = (await selectBackend('wasm')).name;
const cn86=process.env.MODEL==='cn86';
const config = cn86 ? resolveConfig({ stages: [14,14,14], growth: [8,16,32], inputSize: 32, inputChannels: 3, numClasses: 10 }) : resolveConfig({ stages: [2, 2, 2], growth: [16, 32, 64], ...geometryForInput(28, 3, 2), inputSize: 28, inputChannels: 1, numClasses: 10 });
const S=cn86?[n,32,32,3]:[n,28,28,1];
const model = trainableFromLayersModel(buildCondenseNet(config,{seed:1}));
const sgd = new Sgd();
const batch = { images: Float32Array.from({ length: S.reduce((a,b)=>a*b,1) }, () => Math.random()), labels: Int32Array.from({ length: n }, (_, i) => i % 10), shape: S };
const single = async () => { const images = tf.tensor4d(batch.images, batch.shape); const labels = tf.tensor1d(batch.labels, 'int32'); await trainStep(model, sgd, { images, labels, learningRate: 0.01, groupLassoLambda: 1e-5 }); tf.dispose([images, labels]); };
await model.setProgress(0.05);
for (let i=0;i<(cn86?1:4);i++) await single();
const t=[];for (let i=0;i<(cn86?1:5);i++){const a=performance.now();await single();t.push(performance.now()-a);}
console.log('steps',t.map(Math.round));
if (process.env.STOCK) { const own = tf.getKernel('CondenseMatMul','wasm'); const bmm = tf.getKernel('BatchMatMul','wasm');
const stock = {...own, kernelFunc:({inputs,backend})=>{ const a=inputs.a,b=inputs.b; const y=bmm.kernelFunc({inputs:{a:{dataId:a.dataId,shape:[1,...a.shape],dtype:'float32'},b:{dataId:b.dataId,shape:[1,...b.shape],dtype:'float32'}},backend,attrs:{transposeA:false,transposeB:false}}); return {dataId:y.dataId, shape:[a.shape[0],b.shape[1]], dtype:'float32'}; }};
tf.unregisterKernel('CondenseMatMul','wasm'); tf.registerKernel(stock); await single(); }
const p = await tf.profile(single);
const by=new Map();let count=0;
for (const k of p.kernels){ count++; const key=k.name+' '+JSON.stringify(k.inputShapes); const e=by.get(key)??{n:0,ms:0}; e.n++; e.ms+=k.kernelTimeMs; by.set(key,e);}
const byName=new Map(); for (const k of p.kernels){ if(!tf.getKernel(k.name,backend)) continue; const e=byName.get(k.name)??{n:0,ms:0}; e.n++; e.ms+=k.kernelTimeMs; byName.set(k.name,e);}
console.log('kernels',count, 'registered', [...byName.values()].reduce((a,b)=>a+b.n,0));
for (const [k,v] of [...byName].sort((a,b)=>b[1].ms-a[1].ms)) console.log(k.padEnd(40), v.n, v.ms.toFixed(1));
console.log('---');
for (const [k,v] of [...by].filter(([k])=>/^(BatchMatMul|Multiply|Conv2D|Add|Concat|Slice)/.test(k)).sort((a,b)=>b[1].ms-a[1].ms).slice(0,40)) console.log(k.padEnd(90), v.n, v.ms.toFixed(2));
